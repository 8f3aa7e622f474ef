import { SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';

export interface SocketReceiverOptions {
  /** App-level token (xapp-…) with the connections:write scope. */
  appToken: string;
  /** Web API base URL for apps.connections.open; default https://slack.com/api/. */
  slackApiUrl?: string;
  boltLogger: BoltLogger;
}

/** What the socket receiver adds to every listener's context. */
export type EnvelopeContext = {
  /** Slack's id of the envelope that carried the request: the same on every redelivery of it. */
  envelopeId?: string;
};

/**
 * Slack Socket Mode: the bot opens an outbound WebSocket (URL from apps.connections.open) and Slack sends
 * commands and interactions through it, so no inbound endpoint is needed. The client reconnects by
 * itself after a `disconnect` message (Slack refreshes connections every few hours), a lost connection
 * or missed pings. With several replicas connected Slack hands each envelope to one connection; the
 * envelope id is passed on so a redelivered envelope can be recognised (see envelope-claim.ts).
 */
export function createSocketReceiver(opts: SocketReceiverOptions): SocketModeReceiver {
  return new SocketModeReceiver({
    appToken: opts.appToken,
    logger: opts.boltLogger,
    autoReconnectEnabled: true,
    installerOptions: { clientOptions: { slackApiUrl: opts.slackApiUrl ?? 'https://slack.com/api/' } },
    customPropertiesExtractor: (args): EnvelopeContext => {
      const id = (args as { envelope_id?: unknown }).envelope_id;
      return typeof id === 'string' ? { envelopeId: id } : {};
    },
  });
}
