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

/** Milliseconds, or null when the text is not a Go duration. Never throws. */
export function parseGoDuration(text: unknown): number | null {
  if (typeof text !== 'string') return null;
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
