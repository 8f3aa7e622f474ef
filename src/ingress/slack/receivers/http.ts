import { HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import { pathOf, refuseFutureRequests } from '../future-requests.js';
import type { EphemeralAnswer } from '../commands/slash-command-answer.js';
import { commandEndpoint } from './http-commands.js';

export interface HttpReceiverOptions {
  signingSecret: string;
  /** POST paths Slack calls (slash commands, events, interactivity). */
  endpoints: readonly string[];
  /** Raw routes served by the same HTTP server (health, metrics, webhooks); NOT signature-checked. */
  customRoutes: CustomRoute[];
  boltLogger: BoltLogger;
  logger: Logger;
  /** The slash command answered by the front's own endpoint on `path` (one of `endpoints`) instead of by Bolt. */
  command?: { path: string; name: string; answer: (payload: Record<string, string>) => Promise<EphemeralAnswer> };
}

/**
 * Slack calls the bot over HTTPS: every request signed with the app's signing secret, which Bolt checks
 * (and refuses stale requests); requests stamped more than five minutes ahead are refused here too.
 * The slash command's path is served by the front's own endpoint (http-commands.ts), with the same checks,
 * ahead of Bolt; everything else there (another command, an SSL check) is passed on to Bolt.
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
  const log = opts.logger.child({ component: 'slack-receiver' });
  refuseFutureRequests(receiver, opts.endpoints, log);
  const command = opts.command;
  if (command !== undefined && opts.endpoints.includes(command.path)) {
    const bolt = receiver.requestListener;
    const endpoint = commandEndpoint({
      signingSecret: opts.signingSecret,
      commandName: command.name,
      answer: command.answer,
      passOn: bolt,
      logger: log,
    });
    receiver.requestListener = (req, res): void => {
      // The exact path is the common case; any other spelling is resolved as Bolt routes it.
      const path = req.url === command.path ? command.path : pathOf(req.url);
      if (path === command.path && req.method === 'POST') endpoint(req, res);
      else bolt(req, res);
    };
  }
  return receiver;
}
