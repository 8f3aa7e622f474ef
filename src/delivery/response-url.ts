import { request, type Dispatcher } from 'undici';
import type { KnownBlock } from './message-limits.js';
import { ResponseUrlError } from './errors.js';

/**
 * Posting to a slash command's response_url: Slack lets a command answer 5 times within 30 minutes,
 * without a token. The URL arrives in a request, so only Slack's own origin is accepted (tests add the
 * stand-in's): a forged URL must never make the bot POST somewhere else.
 */

export interface ResponseUrlBody {
  text: string;
  blocks?: KnownBlock[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
  thread_ts?: string;
}

export interface ResponseUrlOptions {
  allowedOrigins: readonly string[];
  timeoutMs: number;
  /** Attempts on 5xx or a network error. A 4xx (used or expired URL) is final. */
  maxAttempts: number;
  dispatcher?: Dispatcher;
  sleep?: (ms: number) => Promise<void>;
}

export const SLACK_RESPONSE_URL_ORIGINS = ['https://hooks.slack.com'] as const;

export async function postToResponseUrl(url: string, body: ResponseUrlBody, opts: ResponseUrlOptions): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ResponseUrlError('response_url is not a URL');
  }
  if (!opts.allowedOrigins.includes(parsed.origin)) {
    throw new ResponseUrlError(`response_url origin ${parsed.origin} is not an allowed Slack origin`);
  }
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last = '';
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt += 1) {
    try {
      const res = await request(parsed, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
        ...(opts.dispatcher === undefined ? {} : { dispatcher: opts.dispatcher }),
      });
      const text = (await res.body.text()).slice(0, 200);
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      if (res.statusCode < 500) {
        throw new ResponseUrlError(`response_url refused the post: HTTP ${res.statusCode} ${text}`, res.statusCode);
      }
      last = `HTTP ${res.statusCode}`;
    } catch (err) {
      if (err instanceof ResponseUrlError) throw err;
      last = err instanceof Error ? err.message : String(err);
    }
    if (attempt < opts.maxAttempts) await sleep(250 * 2 ** (attempt - 1));
  }
  throw new ResponseUrlError(`response_url post failed after ${opts.maxAttempts} attempt(s): ${last}`);
}
