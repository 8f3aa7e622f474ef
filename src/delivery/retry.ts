import { webApi } from '@slack/bolt';
import { PermanentSlackError, RetriesExhaustedError, UnknownDeliveryError } from './errors.js';

/**
 * Our own retry around Web API calls. The SDK's built-in policy is switched off (retries: 0,
 * rejectRateLimitedCalls) because on a 429 it pauses its whole request queue, freezing every channel,
 * and keeps trying for half an hour. Here a 429 waits exactly Retry-After for the call that got it,
 * 5xx and network errors back off exponentially, and the number of attempts is bounded so that a job
 * queue above can take over.
 */

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** First backoff after a 5xx or network error; doubles each time, with ±20% jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out in place: the call fails as RetriesExhausted. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 120_000,
};

export type FailureKind =
  | { kind: 'rate-limited'; retryAfterMs: number; label: string }
  | { kind: 'transient'; label: string }
  | { kind: 'permanent'; slackError: string }
  | { kind: 'unknown' };

/** Slack platform errors that describe Slack's trouble rather than ours. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof webApi.WebAPIRateLimitedError) {
    return { kind: 'rate-limited', retryAfterMs: Math.max(err.retryAfter, 1) * 1000, label: 'rate_limited' };
  }
  if (err instanceof webApi.WebAPIPlatformError) {
    const code = err.data.error;
    if (code === 'ratelimited') return { kind: 'rate-limited', retryAfterMs: 1000, label: code };
    if (TRANSIENT_PLATFORM_ERRORS.has(code)) return { kind: 'transient', label: code };
    return { kind: 'permanent', slackError: code };
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    if (err.statusCode >= 500 || err.statusCode === 408) return { kind: 'transient', label: `http_${err.statusCode}` };
    return { kind: 'permanent', slackError: `http_${err.statusCode}` };
  }
  if (err instanceof webApi.WebAPIRequestError) {
    return { kind: 'transient', label: `network: ${err.original.message}` };
  }
  // The client could not even form-encode the call (a lone surrogate in a text): no attempt can succeed.
  if (err instanceof URIError) return { kind: 'permanent', slackError: 'unencodable' };
  return { kind: 'unknown' };
}

export interface RetryHooks {
  /** Before each attempt (the pacer uses it to space the next message from this attempt). */
  onAttempt?: (attempt: number) => void;
  /** After a failed attempt that will be retried, with the wait chosen. */
  onRetry?: (failure: FailureKind, waitMs: number, attempt: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export async function withSlackRetry<T>(
  method: string,
  call: () => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
  channel?: string,
): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  const random = hooks.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    hooks.onAttempt?.(attempt);
    try {
      return await call();
    } catch (err) {
      const failure = classifyFailure(err);
      if (failure.kind === 'permanent') throw new PermanentSlackError(method, failure.slackError, channel);
      if (failure.kind === 'unknown') throw new UnknownDeliveryError(err);
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(method, attempt, failure.label);
      let waitMs: number;
      if (failure.kind === 'rate-limited') {
        if (failure.retryAfterMs > policy.maxRetryAfterMs) {
          throw new RetriesExhaustedError(method, attempt, failure.label, failure.retryAfterMs);
        }
        waitMs = failure.retryAfterMs;
      } else {
        const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        waitMs = Math.round(exp * (0.8 + 0.4 * random()));
      }
      hooks.onRetry?.(failure, waitMs, attempt);
      await sleep(waitMs);
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
