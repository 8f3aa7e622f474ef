/**
 * Sizes and durations as an on-call engineer reads them on a phone: 48 ms, 1.2 s, 1.9 GiB. Kept below
 * every other folder so a source's error message and a report line print the same number the same way.
 */

/** Three significant digits at most, no trailing zeros: 1.25, 12.5, 125. */
export function roundForReading(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

export function formatSeconds(s: number): string {
  const a = Math.abs(s);
  if (a === 0) return '0 ms';
  if (a < 0.001) return `${roundForReading(s * 1e6)} µs`;
  if (a < 1) return `${roundForReading(s * 1000)} ms`;
  if (a < 120) return `${roundForReading(s)} s`;
  return `${roundForReading(s / 60)} min`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = b;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${roundForReading(v)} ${units[i]}`;
}
