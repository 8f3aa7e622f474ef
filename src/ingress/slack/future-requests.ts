import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';

/** Slack's rule, and Bolt's for old requests: a request may be at most five minutes off the server's clock. */
export const MAX_REQUEST_SKEW_SECONDS = 5 * 60;

/**
 * True when X-Slack-Request-Timestamp lies more than five minutes in the future. Bolt refuses requests
 * older than five minutes but accepts any later timestamp; a signed request captured with a timestamp
 * ahead of the clock (a skewed or tampered sender) would then stay replayable until that time comes.
 * A missing or unreadable header is left to Bolt, which refuses it.
 */
export function isFromTheFuture(header: string | string[] | undefined, nowMs: number): boolean {
  if (typeof header !== 'string') return false;
  const ts = Number(header);
  return Number.isFinite(ts) && ts > Math.floor(nowMs / 1000) + MAX_REQUEST_SKEW_SECONDS;
}

/**
 * Puts the future-timestamp check in front of the receiver's own request handling, for the Slack
 * endpoints only (custom routes such as the webhook have their own authentication). Refused like Bolt
 * refuses a stale request: 401 with an empty body, before anything is parsed or dispatched. Bolt's
 * signature and staleness checks still run for everything that passes.
 */
export function refuseFutureRequests(receiver: HTTPReceiver, endpoints: readonly string[], logger: Logger, now: () => number = Date.now): void {
  const handle = receiver.requestListener;
  const slackPaths = new Set(endpoints);
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    if (req.method?.toUpperCase() === 'POST' && path !== undefined && slackPaths.has(path) && isFromTheFuture(req.headers['x-slack-request-timestamp'], now())) {
      logger.warn({ path }, 'Slack request refused: timestamp more than 5 minutes in the future');
      res.writeHead(401).end();
      // Read and discard the body so the connection stays usable, as after Bolt's own 401.
      req.resume();
      return;
    }
    handle(req, res);
  };
}

/** The path exactly as Bolt routes it (WHATWG URL, dot segments resolved), so no spelling slips past. */
export function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined; // Bolt's own routing fails on it too, and answers.
  }
}
