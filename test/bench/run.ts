/**
 * `npm run bench`: runs every benchmark in test/bench one after another (they measure latency, so never
 * two at once), passes their own output through, and ends with one table: what, budget, measured, result.
 *
 *   npm run bench                       every benchmark
 *   npm run bench -- slack-ack webhook  only those (names as in the table below, file name without .ts)
 *
 * Each benchmark prints its results as lines `BENCH {json}` (bench-result.ts). Exit status 1 when a
 * figure is over its budget or a benchmark failed to run; the load average before and after is printed
 * because the figures only mean something next to it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { BENCH_PREFIX, type BenchResult } from './bench-result.js';

interface BenchRun {
  name: string;
  file: string;
  args: string[];
}

/** Arguments other than a benchmark's defaults; every other file in test/bench runs with none. */
const RUNS: BenchRun[] = [
  { name: 'start-ready', file: 'start-ready.ts', args: [] },
  { name: 'slack-ack', file: 'slack-ack.ts', args: [] },
  { name: 'slack-ack', file: 'slack-ack.ts', args: ['--with-diagnosis'] },
  // The live lab (fixed ports from LAB_PORT_BASE, about 25 min): a 5-minute healthy stretch, then every fault.
  { name: 'watch-live', file: 'watch-live.ts', args: ['300'] },
];
/** Modules of the harness (front-timing.ts: a preload slack-ack.ts gives the bot under test), not benchmarks. */
const HELPERS = new Set(['run.ts', 'bench-result.ts', 'build-dist.ts', 'own-tmpdir.ts', 'front-timing.ts']);

const benchDir = import.meta.dirname;

function allRuns(): BenchRun[] {
  const files = readdirSync(benchDir).filter((f) => f.endsWith('.ts') && !HELPERS.has(f)).sort();
  const listed = new Set(RUNS.map((r) => r.file));
  return [...RUNS, ...files.filter((f) => !listed.has(f)).map((file) => ({ name: file.replace(/\.ts$/, ''), file, args: [] }))];
}

const ownResult = z.object({
  bench: z.string(),
  what: z.string(),
  budget: z.string(),
  measured: z.string(),
  pass: z.boolean().nullable(),
});
/** A result line in another shape ({name, withinBudget, ...}): its scalar fields become the measured text. */
const otherResult = z.looseObject({ name: z.string(), withinBudget: z.boolean().nullable().optional() });

function parseResult(json: string, bench: string): BenchResult {
  const value: unknown = JSON.parse(json);
  const own = ownResult.safeParse(value);
  if (own.success) return own.data;
  const other = otherResult.safeParse(value);
  if (!other.success) throw new Error(`${bench}: a BENCH line that is neither shape: ${json.slice(0, 200)}`);
  const { name, withinBudget, budget, ...rest } = other.data;
  const scalars = Object.entries(rest).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  return {
    bench,
    what: name,
    budget: budget === undefined ? '' : JSON.stringify(budget),
    measured: scalars.map(([k, v]) => `${k} ${String(v)}`).join(', '),
    pass: withinBudget ?? null,
  };
}

async function runOne(run: BenchRun): Promise<{ results: BenchResult[]; code: number | null; seconds: number }> {
  const started = performance.now();
  // Each benchmark writes its services' data and generated logs under its own temporary folder (TMPDIR),
  // removed when it ends, whatever it left there.
  const tmp = mkdtempSync(join(tmpdir(), `etcd-triage-bench-${run.name}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', join(benchDir, run.file), ...run.args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: tmp },
  });
  child.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const results: BenchResult[] = [];
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    process.stdout.write(d);
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.startsWith(BENCH_PREFIX)) results.push(parseResult(line.slice(BENCH_PREFIX.length), run.name));
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (pending.startsWith(BENCH_PREFIX)) results.push(parseResult(pending.slice(BENCH_PREFIX.length), run.name));
  return { results, code, seconds: (performance.now() - started) / 1000 };
}

function table(rows: BenchResult[]): string {
  const result = (p: boolean | null): string => (p === null ? '—' : p ? 'pass' : 'FAIL');
  const cells = rows.map((r) => [r.what, r.budget || '—', r.measured, result(r.pass)]);
  const head = ['what', 'budget', 'measured', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

const wanted = process.argv.slice(2);
const runs = allRuns().filter((r) => wanted.length === 0 || wanted.includes(r.name));
if (runs.length === 0) {
  process.stderr.write(`no benchmark named ${wanted.join(', ')}; known: ${[...new Set(allRuns().map((r) => r.name))].join(', ')}\n`);
  process.exit(2);
}
const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
const rows: BenchResult[] = [];
for (const run of runs) {
  process.stdout.write(`\n=== ${run.name} ${run.args.join(' ')}\n`);
  const { results, code, seconds } = await runOne(run);
  rows.push(...results);
  const what = `${run.name} ${run.args.join(' ')}`.trim();
  if (code !== 0) rows.push({ bench: run.name, what, budget: '', measured: `failed (exit ${code}) after ${results.length} result(s)`, pass: false });
  else if (results.length === 0) rows.push({ bench: run.name, what, budget: '', measured: 'ran, but printed no BENCH result line', pass: null });
  process.stdout.write(`=== ${run.name}: ${seconds.toFixed(0)} s\n`);
}
process.stdout.write(`\nload average before ${loadBefore}, after ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1, 5, 15 min) on ${cpus().length} CPUs\n\n`);
process.stdout.write(`${table(rows)}\n`);
process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0;
