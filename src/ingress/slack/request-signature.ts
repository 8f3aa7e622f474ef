import { createHmac, timingSafeEqual } from 'node:crypto';
import { MAX_REQUEST_SKEW_SECONDS } from './future-requests.js';

/** Why a request does not come from Slack, or not now; each is refused with 401 and an empty body. */
export type SignatureProblem = 'missing-headers' | 'bad-timestamp' | 'stale' | 'future' | 'bad-signature';

export type SignatureCheck = { ok: true } | { ok: false; problem: SignatureProblem };

/** Slack's timestamps are whole seconds; anything else is not a Slack request. */
const TIMESTAMP = /^\d{1,12}$/;
/** `v0=` and 64 hex digits: the only signature version Slack uses. */
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/**
 * Slack's request signing, as Slack documents it: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`
 * with the app's signing secret, in X-Slack-Signature, and X-Slack-Request-Timestamp at most five minutes
 * off the server's clock in either direction (a captured request stays unreplayable). The same rules the
 * HTTP receiver applies to every other Slack endpoint; the digests are compared in constant time.
 */
export function checkSlackSignature(
  signingSecret: string,
  headers: { timestamp: string | string[] | undefined; signature: string | string[] | undefined },
  rawBody: Buffer,
  nowMs: number,
): SignatureCheck {
  const { timestamp, signature } = headers;
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return { ok: false, problem: 'missing-headers' };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, problem: 'bad-timestamp' };
  const nowSec = Math.floor(nowMs / 1000);
  const ts = Number(timestamp);
  if (ts < nowSec - MAX_REQUEST_SKEW_SECONDS) return { ok: false, problem: 'stale' };
  if (ts > nowSec + MAX_REQUEST_SKEW_SECONDS) return { ok: false, problem: 'future' };
  if (!SIGNATURE.test(signature)) return { ok: false, problem: 'bad-signature' };
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, problem: 'bad-signature' };
}
