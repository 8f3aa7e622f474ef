/**
 * Timestamps found in etcd logs and their envelopes → milliseconds since the epoch (fractional: the
 * microseconds are kept, they order lines written in the same millisecond).
 */

// 2020-06-30T01:17:40.462Z | 2024-04-22T17:18:03.213763+0800 | 2023-08-18T11:00:50.951550247+08:00
// | 2018-10-11 08:36:19.724999 (capnslog: no zone)
const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|[+-]\d\d(?::?\d\d)?)?$/;

function fractionMs(digits: string | undefined): number {
  if (digits === undefined || digits === '') return 0;
  // Keep microseconds; nanoseconds beyond that cannot be represented at this magnitude anyway.
  const us = Number((digits + '000000').slice(0, 6));
  return us / 1000;
}

function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length >= 4 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}

/**
 * RFC 3339 / ISO 8601 as etcd, Kubernetes, CRI and docker write it. Offsets with or without a colon
 * (zap in 3.4.24+ writes `+0800`, which Date.parse rejects). A missing zone means UTC: capnslog writes
 * local wall-clock time without a zone, and etcd containers run in UTC in practice; this is the only
 * guess we can make, and the file source lets the window absorb it.
 */
export function parseTimestamp(text: string): number | null {
  const fast = parseUtcTimestamp(text);
  if (fast !== null) return fast;
  const m = ISO.exec(text);
  if (!m) return null;
  const base = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  if (!Number.isFinite(base)) return null;
  return base + fractionMs(m[7]) - offsetMinutes(m[8]) * 60_000;
}

function digitsAt(text: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * `2026-01-01T00:04:26.735Z` and `2026-01-01T00:04:26.951550247Z` (zap in UTC, CRI, docker) without the
 * regex: the scan parses one timestamp per candidate line. Anything else returns null and takes the
 * general path; the arithmetic is the general path's.
 */
function parseUtcTimestamp(text: string): number | null {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 0x5a /* Z */) return null;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54) return null;
  if (text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return null;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  const h = digitsAt(text, 11, 2);
  const mi = digitsAt(text, 14, 2);
  const sec = digitsAt(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return null;
  let us = 0;
  if (n > 20) {
    // ".fraction": one or more digits, of which the first six (zero-padded) are the microseconds.
    if (text.charCodeAt(19) !== 0x2e || n === 21) return null;
    const fraction = digitsAt(text, 20, Math.min(6, n - 21));
    if (fraction < 0 || (n - 21 > 6 && digitsAt(text, 26, n - 27) < 0)) return null;
    us = fraction * 10 ** (6 - Math.min(6, n - 21));
  } else if (n !== 20) return null;
  const base = Date.UTC(y, mo - 1, d, h, mi, sec);
  if (!Number.isFinite(base)) return null;
  return base + us / 1000;
}

/** Go's standard `log` prefix that 3.4's raft logger uses under capnslog: `2026/11/21 16:02:00`. UTC assumed. */
export function parseGoLogTimestamp(text: string): number | null {
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(base) ? base + fractionMs(m[7]) : null;
}

/** journald `__REALTIME_TIMESTAMP`: microseconds since the epoch, as a decimal string. */
export function parseMicrosecondsText(text: string): number | null {
  if (!/^\d{1,19}$/.test(text)) return null;
  // Split to avoid losing precision in the multiplication: seconds part exact, µs remainder.
  const us = BigInt(text);
  return Number(us / 1000n) + Number(us % 1000n) / 1000;
}

/** Loki entry timestamps: nanoseconds since the epoch, as a decimal string. */
export function parseNanosecondsText(text: string): number | null {
  if (!/^\d{1,20}$/.test(text)) return null;
  const ns = BigInt(text);
  return Number(ns / 1_000_000n) + Number((ns % 1_000_000n) / 1000n) / 1000;
}

export function msToNanosecondsText(ms: number): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms - Math.floor(ms)) * 1e6))).toString();
}
