import { HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import { refuseFutureRequests } from '../future-requests.js';

export interface HttpReceiverOptions {
  signingSecret: string;
  /** POST paths Slack calls (slash commands, events, interactivity). */
  endpoints: readonly string[];
  /** Raw routes served by the same HTTP server (health, metrics, webhooks); NOT signature-checked. */
  customRoutes: CustomRoute[];
  boltLogger: BoltLogger;
  logger: Logger;
}

/**
 * Slack calls the bot over HTTPS: every request signed with the app's signing secret, which Bolt checks
 * (and refuses stale requests); requests stamped more than five minutes ahead are refused here too.
 */
export function createHttpReceiver(opts: HttpReceiverOptions): HTTPReceiver {
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret,
    signatureVerification: true,
    endpoints: [...opts.endpoints],
    customRoutes: opts.customRoutes,
    logger: opts.boltLogger,
    // Answer only after the listener acked: the ack body (the ephemeral answer) is the whole response.
    processBeforeResponse: false,
  });
  refuseFutureRequests(receiver, opts.endpoints, opts.logger.child({ component: 'slack-receiver' }));
  return receiver;
}
