/**
 * Go `time.Duration.String()` text → milliseconds. zap in etcd encodes every duration this way
 * (StringDurationEncoder): "3.000607371s", "118ms", "7.819µs", "1m2.5s", "0s", "2h0m0s".
 */
const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign: what Go prints
  'μs': 1e-3, // U+03BC greek mu: accepted by time.ParseDuration too
  ns: 1e-6,
};

const WHOLE = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:h|ms|m|s|us|µs|μs|ns))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|μs|ns)/g;

/** Milliseconds per unit for the single-unit texts etcd writes nearly always ("118.5ms", "2.1s", "9µs"). */
function singleUnit(t: string): number | null {
  const n = t.length;
  if (t.charCodeAt(n - 1) !== 0x73 /* s */) return null;
  const before = t.charCodeAt(n - 2);
  const milli = before === 0x6d; /* m */
  const micro = before === 0xb5 || before === 0x3bc; /* µ μ */
  const digits = milli || micro ? n - 2 : n - 1;
  const unit = milli ? 1 : micro ? 1e-3 : 1000;
  // Plain decimal digits with at most one dot, at least one digit, nothing else.
  let dots = 0;
  let seen = 0;
  for (let i = 0; i < digits; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x2e) dots++;
    else if (c >= 0x30 && c <= 0x39) seen++;
    else return null;
  }
  if (dots > 1 || seen === 0) return null;
  const total = Number(t.slice(0, digits)) * unit;
  return Number.isFinite(total) ? Math.round(total * 1e6) / 1e6 : null;
}

/** Milliseconds, or null when the text is not a Go duration. Never throws. */
export function parseGoDuration(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  // The common case without regexes; the same arithmetic as the general path below.
  const fast = text.length >= 2 ? singleUnit(text) : null;
  if (fast !== null) return fast;
  // Not a plain single-unit text (or an overflowing one): the full grammar decides.
  const t = text.trim();
  if (t === '0') return 0;
  if (!WHOLE.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(PART)) {
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) return null;
  // Sub-nanosecond float noise (e.g. 7.819 * 1e-3) is removed so tests and reports see exact values.
  total = Math.round(total * 1e6) / 1e6;
  return t.startsWith('-') ? -total : total;
}
