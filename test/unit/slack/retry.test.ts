import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { PermanentSlackError, RetriesExhaustedError, UnknownDeliveryError, asCodedError } from '../../../src/delivery/errors.js';
import { classifyFailure, withSlackRetry, type RetryPolicy } from '../../../src/delivery/retry.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250, maxRetryAfterMs: 30_000 };
const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error });

describe('classifyFailure', () => {
  it('sorts Slack errors into rate-limited, transient and permanent', () => {
    expect(classifyFailure(new webApi.WebAPIRateLimitedError(7))).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7000 });
    expect(classifyFailure(new webApi.WebAPIRateLimitedError(0))).toMatchObject({ retryAfterMs: 1000 });
    expect(classifyFailure(platform('internal_error'))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(platform('channel_not_found'))).toEqual({ kind: 'permanent', slackError: 'channel_not_found' });
    expect(classifyFailure(new webApi.WebAPIHTTPError(502, 'Bad Gateway', {}))).toMatchObject({ kind: 'transient', label: 'http_502' });
    expect(classifyFailure(new webApi.WebAPIHTTPError(403, 'Forbidden', {}))).toEqual({ kind: 'permanent', slackError: 'http_403' });
    expect(classifyFailure(new webApi.WebAPIRequestError(new Error('ECONNRESET')))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(new TypeError('bug'))).toEqual({ kind: 'unknown' });
  });
});

describe('withSlackRetry', () => {
  const run = async (errors: unknown[]) => {
    const waits: number[] = [];
    let attempts = 0;
    const result = withSlackRetry(
      'chat.postMessage',
      async () => {
        const e = errors[attempts];
        attempts += 1;
        if (e !== undefined) throw e;
        return 'ok';
      },
      policy,
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
      'C1',
    );
    return { result: await result.catch((e: unknown) => e), waits, attempts: () => attempts };
  };

  it('waits Retry-After for 429 and doubling backoff for 5xx', async () => {
    const r = await run([new webApi.WebAPIRateLimitedError(2), new webApi.WebAPIHTTPError(500, 'x', {}), new webApi.WebAPIHTTPError(500, 'x', {})]);
    expect(r.result).toBe('ok');
    expect(r.waits).toEqual([2000, 200, 250]);
  });

  it('gives up after maxAttempts, and at once on a Retry-After beyond the cap', async () => {
    const e500 = new webApi.WebAPIHTTPError(500, 'x', {});
    const r = await run([e500, e500, e500, e500, e500]);
    expect(r.result).toBeInstanceOf(RetriesExhaustedError);
    expect(r.attempts()).toBe(4);
    const long = await run([new webApi.WebAPIRateLimitedError(600)]);
    expect(long.result).toMatchObject({ retryAfterMs: 600_000, attempts: 1 });
  });

  it('does not retry permanent or unknown errors', async () => {
    const p = await run([platform('not_in_channel')]);
    expect(p.result).toBeInstanceOf(PermanentSlackError);
    expect(p.attempts()).toBe(1);
    const u = await run([new TypeError('bug')]);
    expect(u.result).toBeInstanceOf(UnknownDeliveryError);
    expect(asCodedError(u.result)).toBe(u.result);
  });
});
