/**
 * Log scan benchmark: a realistic etcd zap log of N MB, then the same filter — lines whose msg is
 * "apply request took too long" — with grep -F, jq and our file source. Several interleaved rounds
 * (grep, our scan in a running process — one that scanned a 64 MB log before —, our first scan in a
 * fresh process), each figure reported as
 * median and range, the ratio to grep -F pair by pair. Peak RSS of a scan that keeps no events, and of
 * one that keeps events up to the default cap. Our scans run in child processes so that RSS is theirs.
 *
 *   npx tsx test/bench/log-scan.ts [sizeMB ...] [--rounds N] [--no-jq]     (default: 256 1024, 5 rounds)
 *
 * The last line is machine-readable: BENCH {"name":"log-scan",...}.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileLogSource } from '../../src/sources/logs/file-source.js';
import { DEFAULT_LOG_LIMITS, type LogEventKind } from '../../src/sources/logs/types.js';

const MEMBER_IDS = ['8e9e05c52164694d', '91bc3c398fb3c146', 'fd422379fda50e48'];
const PODS = ['default/web', 'kube-system/coredns', 'monitoring/prometheus', 'apps/api'];

function ts(ms: number): string {
  return new Date(ms).toISOString();
}

function rnd(n: number): number {
  return Math.floor(Math.random() * n);
}

/** Lines modelled on what a busy 3.4/3.5 member writes (see test/fixtures/logs for real ones). */
function line(t: number, i: number): string {
  const r = i % 1000;
  const T = ts(t);
  if (r < 5) {
    const pod = PODS[rnd(PODS.length)]!;
    const count = 50 + rnd(5000);
    return `{"level":"warn","ts":"${T}","caller":"etcdserver/util.go:163","msg":"apply request took too long","took":"${(100 + rnd(900)).toString()}.${rnd(999999)}ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\\"/registry/pods/${pod}-${rnd(300)}\\" range_end:\\"/registry/pods/${pod}0\\" ","response":"range_response_count:${count} size:${count * 3100}"}`;
  }
  if (r < 10) {
    const id = rnd(2 ** 31);
    return `{"level":"info","ts":"${T}","caller":"traceutil/trace.go:152","msg":"trace[${id}] range","detail":"{range_begin:/registry/pods/; range_end:/registry/pods0; response_count:${rnd(5000)}; response_revision:${1000 + i}; }","duration":"${100 + rnd(900)}.5ms","start":"${T}","end":"${T}","steps":["trace[${id}] 'range keys from bolt db'  (duration: ${100 + rnd(800)}.25ms)"]}`;
  }
  if (r < 14) {
    return `{"level":"warn","ts":"${T}","caller":"etcdserver/raft.go:440","msg":"leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk","to":"${MEMBER_IDS[rnd(3)]}","heartbeat-interval":"100ms","expected-duration":"200ms","exceeded-duration":"${rnd(400)}.${rnd(999)}ms"}`;
  }
  if (r < 16) {
    return `{"level":"warn","ts":"${T}","caller":"etcdserver/v3_server.go:814","msg":"waiting for ReadIndex response took too long, retrying","sent-request-id":${1859580948208150369n + BigInt(i)},"retry-timeout":"500ms"}`;
  }
  if (r < 17) {
    return `{"level":"info","ts":"${T}","caller":"mvcc/kvstore_compaction.go:56","msg":"finished scheduled compaction","compact-revision":${i},"took":"${rnd(90)}.${rnd(999)}ms"}`;
  }
  if (r < 300) {
    return `{"level":"info","ts":"${T}","caller":"mvcc/index.go:214","msg":"compact tree index","revision":${i}}`;
  }
  if (r < 600) {
    return `{"level":"info","ts":"${T}","caller":"etcdserver/server.go:2430","msg":"saved snapshot","snapshot-index":${i},"local-member-id":"${MEMBER_IDS[0]}","remote-peer-id":"${MEMBER_IDS[1]}","took":"${rnd(900)}µs"}`;
  }
  if (r < 800) {
    return `{"level":"info","ts":"${T}","caller":"rafthttp/stream.go:250","msg":"set message encoder","from":"${MEMBER_IDS[0]}","to":"${MEMBER_IDS[1]}","stream-type":"stream MsgApp v2","local-member-id":"${MEMBER_IDS[0]}","remote-peer-id":"${MEMBER_IDS[2]}"}`;
  }
  return `{"level":"info","ts":"${T}","caller":"fileutil/purge.go:77","msg":"purged","path":"/var/lib/etcd/member/snap/0000000000000002-${String(i).padStart(16, '0')}.snap","dir":"/var/lib/etcd/member/snap"}`;
}

async function generate(path: string, sizeMB: number, startMs: number): Promise<{ lines: number; endMs: number }> {
  const target = sizeMB * 1024 * 1024;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let written = 0;
  let i = 0;
  let t = startMs;
  while (written < target) {
    const parts: string[] = [];
    for (let k = 0; k < 5000; k++, i++) {
      t += 0.2;
      parts.push(line(Math.floor(t), i));
    }
    const chunk = parts.join('\n') + '\n';
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { lines: i, endMs: t };
}

const FILTER = 'apply request took too long';
/** Size of the log a "running process" has scanned before the timed scan. */
const WARMUP_MB = 64;
/** The ratio to grep -F the scan must stay within. */
const BUDGET_VS_GREP = 2;

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median: mid, min: s[0]!, max: s[s.length - 1]! };
}

const fmt = (x: Spread, digits = 2): string =>
  `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}–${x.max.toFixed(digits)})`;

/**
 * GNU time (Debian package `time`): the CPU seconds of a child, which stay meaningful on a busy machine.
 * It prints them to 10 ms, so CPU ratios need files of 256 MB and more (grep -F: 0.05 s there).
 */
const GNU_TIME = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0 ? '/usr/bin/time' : null;

/**
 * A whole process, wall time from spawn to exit and CPU seconds (user + sys) when GNU time is there; its
 * stdout is read and counted as lines, as a pipe would.
 */
function timeProcess(cmd: string, args: string[]): Promise<{ seconds: number; cpuSeconds: number | null; lines: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = GNU_TIME
      ? spawn(GNU_TIME, ['-f', 'CPU %U %S', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      for (let p = d.indexOf(10); p >= 0; p = d.indexOf(10, p + 1)) lines++;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = /CPU (\d+\.\d+) (\d+\.\d+)\s*$/.exec(err);
      if (code !== 0 && code !== 1) reject(new Error(`${cmd}: exit ${code} ${err}`));
      else resolve({ seconds, cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : null, lines });
    });
  });
}

interface ScanReport {
  seconds: number;
  cpuSeconds: number;
  events: number;
  truncated: string | null;
  linesRead: number;
  bytesRead: number;
  maxRssMB: number;
}

/** Child mode: optionally one warm-up scan (a process that has scanned before), then the timed scan. */
async function scanChild(path: string, kinds: string, maxEvents: number, warmup: string): Promise<void> {
  const scanOnce = (p: string) =>
    new FileLogSource({ type: 'file', path: p, member: 'etcd-0', format: 'zap' }).fetch({
      start: 0,
      end: Date.UTC(2100, 0, 1),
      signal: new AbortController().signal,
      limits: { maxBytes: Number.MAX_SAFE_INTEGER, maxLines: Number.MAX_SAFE_INTEGER, maxEvents },
      ...(kinds === 'all' ? {} : { kinds: kinds.split(',') as LogEventKind[] }),
    });
  if (warmup !== '-') await scanOnce(warmup);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const res = await scanOnce(path);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const s = res.stats['etcd-0']!;
  const report: ScanReport = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    events: res.events.length,
    truncated: res.truncated[0]?.reason ?? null,
    linesRead: s.linesRead,
    bytesRead: s.bytesRead,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(report));
}

function runChild(path: string, kinds: string, maxEvents: number, warmup: string): Promise<ScanReport> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, self, '--scan', path, kinds, String(maxEvents), warmup], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ScanReport) : reject(new Error(`scan exit ${code}`))));
  });
}

interface SizeResult {
  sizeMB: number;
  lines: number;
  matches: number;
  grepSeconds: Spread;
  grepCpuSeconds: Spread | null;
  /** Our scan in a process that has scanned before (the bot's steady state). */
  scanSeconds: Spread;
  scanCpuSeconds: Spread;
  /** Wall time over grep's, pair by pair. */
  ratioVsGrep: Spread;
  /** CPU time over grep's, pair by pair: what others on a shared machine disturb least. */
  cpuRatioVsGrep: Spread | null;
  /** The first scan in a fresh process (code not yet optimised by the JIT). */
  coldScanSeconds: Spread;
  coldRatioVsGrep: Spread;
  jqSeconds: number | null;
  rssMB: { processBaseline: number; noEventsKept: number; eventsKeptCapped: number; eventsKept: number; cap: number };
  loadAverage: number[];
}

async function measure(dir: string, sizeMB: number, rounds: number, withJq: boolean, warmupPath: string): Promise<SizeResult> {
  const path = join(dir, `etcd-${sizeMB}.jsonl`);
  const empty = join(dir, 'empty.jsonl');
  try {
    process.stdout.write(`generating ${sizeMB} MB … `);
    const gen = await generate(path, sizeMB, Date.UTC(2026, 0, 1));
    await generate(empty, 0, Date.UTC(2026, 0, 1));
    const mb = statSync(path).size / (1024 * 1024);
    console.log(`${mb.toFixed(0)} MB, ${gen.lines} lines`);
    // Warm the page cache the same way for everyone.
    await timeProcess('cat', [path]);

    const grep: number[] = [];
    const grepCpu: number[] = [];
    const warm: ScanReport[] = [];
    const cold: ScanReport[] = [];
    let matches = -1;
    for (let r = 0; r < rounds; r++) {
      const g = await timeProcess('grep', ['-F', `"msg":"${FILTER}"`, path]);
      grep.push(g.seconds);
      if (g.cpuSeconds !== null) grepCpu.push(g.cpuSeconds);
      matches = g.lines;
      warm.push(await runChild(path, 'apply-slow', 10_000_000, warmupPath));
      cold.push(await runChild(path, 'apply-slow', 10_000_000, '-'));
      const w = warm.at(-1)!;
      const cpu = g.cpuSeconds !== null ? `, CPU ${g.cpuSeconds.toFixed(3)} s vs ${w.cpuSeconds.toFixed(3)} s (${(w.cpuSeconds / g.cpuSeconds).toFixed(2)}×)` : '';
      console.log(
        `  round ${r + 1}: grep -F ${g.seconds.toFixed(3)} s, scan ${w.seconds.toFixed(3)} s (${(w.seconds / g.seconds).toFixed(2)}×)${cpu}, ` +
          `first scan ${cold.at(-1)!.seconds.toFixed(3)} s; load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    for (const o of [...warm, ...cold]) {
      if (o.events !== matches) throw new Error(`scan found ${o.events} events, grep -F ${matches} lines`);
      if (o.linesRead !== gen.lines) throw new Error(`scan read ${o.linesRead} lines of ${gen.lines}`);
    }

    // Memory: the process alone (an empty file), a scan that keeps nothing (a kind that never occurs),
    // a scan that keeps every event kind up to the default cap, and one keeping every apply-slow event.
    const baseline = await runChild(empty, 'all', DEFAULT_LOG_LIMITS.maxEvents, '-');
    const none = await runChild(path, 'clock-drift', DEFAULT_LOG_LIMITS.maxEvents, '-');
    const capped = await runChild(path, 'all', DEFAULT_LOG_LIMITS.maxEvents, '-');
    const kept = warm.reduce((a, b) => (a.maxRssMB > b.maxRssMB ? a : b));

    const jq = withJq ? await timeProcess('jq', ['-c', `select(.msg=="${FILTER}")`, path]) : null;
    return {
      sizeMB: Math.round(mb),
      lines: gen.lines,
      matches,
      grepSeconds: spread(grep),
      grepCpuSeconds: grepCpu.length === rounds ? spread(grepCpu) : null,
      scanSeconds: spread(warm.map((o) => o.seconds)),
      scanCpuSeconds: spread(warm.map((o) => o.cpuSeconds)),
      ratioVsGrep: spread(warm.map((o, i) => o.seconds / grep[i]!)),
      cpuRatioVsGrep: grepCpu.length === rounds ? spread(warm.map((o, i) => o.cpuSeconds / Math.max(grepCpu[i]!, 0.01))) : null,
      coldScanSeconds: spread(cold.map((o) => o.seconds)),
      coldRatioVsGrep: spread(cold.map((o, i) => o.seconds / grep[i]!)),
      jqSeconds: jq?.seconds ?? null,
      rssMB: {
        processBaseline: Math.round(baseline.maxRssMB),
        noEventsKept: Math.round(none.maxRssMB),
        eventsKeptCapped: Math.round(capped.maxRssMB),
        eventsKept: Math.round(kept.maxRssMB),
        cap: DEFAULT_LOG_LIMITS.maxEvents,
      },
      loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    };
  } finally {
    rmSync(path, { force: true });
    rmSync(empty, { force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--scan') {
    await scanChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5]), process.argv[6]!);
    return;
  }
  if (process.argv[2] === '--generate') {
    // Keep a generated file for profiling: --generate <path> <sizeMB>
    await generate(process.argv[3]!, Number(process.argv[4] ?? '100'), Date.UTC(2026, 0, 1));
    return;
  }
  const args = process.argv.slice(2);
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
  const withJq = !args.includes('--no-jq') && spawnSync('sh', ['-c', 'command -v jq']).status === 0;
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--rounds').map(Number);
  if (sizes.length === 0) sizes.push(256, 1024);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive integer');

  const dir = mkdtempSync(join(tmpdir(), 'etcd-triage-bench-'));
  const results: SizeResult[] = [];
  try {
    // A log scanned first in the "running process" children: the bot has parsed such lines before, and
    // 64 MB (about 1,700 slow requests) is what it takes for the parsing code to be optimised.
    const warmupPath = join(dir, 'warmup.jsonl');
    await generate(warmupPath, WARMUP_MB, Date.UTC(2025, 11, 31));
    for (const sizeMB of sizes) {
      const r = await measure(dir, sizeMB, rounds, withJq, warmupPath);
      results.push(r);
      console.log(`\n${r.sizeMB} MB, ${r.lines} lines, ${r.matches} matching lines; ${rounds} rounds, median (min–max):`);
      console.log(`| tool | wall s | CPU s | wall vs grep -F | CPU vs grep -F |\n|---|---|---|---|---|`);
      console.log(`| grep -F | ${fmt(r.grepSeconds, 3)} | ${r.grepCpuSeconds ? fmt(r.grepCpuSeconds, 3) : '?'} | 1 | 1 |`);
      console.log(
        `| etcd-triage scan, running process | ${fmt(r.scanSeconds, 3)} | ${fmt(r.scanCpuSeconds, 3)} | ${fmt(r.ratioVsGrep)}× | ${r.cpuRatioVsGrep ? `${fmt(r.cpuRatioVsGrep)}×` : '?'} |`,
      );
      console.log(`| etcd-triage first scan, fresh process | ${fmt(r.coldScanSeconds, 3)} | | ${fmt(r.coldRatioVsGrep)}× | |`);
      if (r.jqSeconds !== null) {
        console.log(`| jq select(.msg==…) (once) | ${r.jqSeconds.toFixed(2)} | | ${(r.jqSeconds / r.grepSeconds.median).toFixed(0)}× (ours ${(r.jqSeconds / r.scanSeconds.median).toFixed(0)}× faster) | |`);
      }
      console.log(
        `peak RSS: process alone ${r.rssMB.processBaseline} MB; scan keeping no events ${r.rssMB.noEventsKept} MB; ` +
          `every kind up to the ${r.rssMB.cap}-event cap ${r.rssMB.eventsKeptCapped} MB; all ${r.matches} apply-slow events kept ${r.rssMB.eventsKept} MB`,
      );
      console.log(`load average ${r.loadAverage.join(' ')} on ${cpus().length} CPUs\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const worst = Math.max(...results.map((r) => r.ratioVsGrep.median));
  const worstCpu = results.every((r) => r.cpuRatioVsGrep) ? Math.max(...results.map((r) => r.cpuRatioVsGrep!.median)) : null;
  const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
  console.log(
    `BENCH ${JSON.stringify({
      name: 'log-scan',
      budget: { ratioVsGrep: BUDGET_VS_GREP },
      withinBudget: worst <= BUDGET_VS_GREP,
      withinBudgetCpu: worstCpu === null ? null : worstCpu <= BUDGET_VS_GREP,
      worstMedianRatioVsGrep: round(worst),
      worstMedianCpuRatioVsGrep: round(worstCpu),
      summary: results
        .map((r) => {
          const cpu = r.cpuRatioVsGrep ? `, CPU ${r.cpuRatioVsGrep.median.toFixed(2)}×` : '';
          return `${r.sizeMB} MB: ${r.ratioVsGrep.median.toFixed(2)}× grep -F${cpu}, peak RSS ${r.rssMB.noEventsKept} MB keeping no events, ${r.rssMB.eventsKeptCapped} MB at the event cap`;
        })
        .join('; '),
      cpus: cpus().length,
      results,
    })}`,
  );
}

await main();
