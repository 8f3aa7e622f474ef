/**
 * One result of a benchmark, for `npm run bench` (test/bench/run.ts): printed as a single line
 * `BENCH {"bench", "what", "budget", "measured", "pass"}` among the benchmark's human-readable output.
 * `pass` is null when the figure has no budget (measured for the README only).
 */
export interface BenchResult {
  bench: string;
  what: string;
  budget: string;
  measured: string;
  pass: boolean | null;
}

export const BENCH_PREFIX = 'BENCH ';

export function reportBench(result: BenchResult): void {
  process.stdout.write(`${BENCH_PREFIX}${JSON.stringify(result)}\n`);
}

/** The p-th percentile (0-100) of values, nearest rank. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
