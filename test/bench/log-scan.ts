/**
 * Log scan benchmark: a realistic etcd zap log of N MB (default 1024), then the same filter — lines whose
 * msg is "apply request took too long" — with jq, grep -F and our file source; plus our default scan
 * (every kind the diagnosis uses). Reports MB/s, ratios and the peak RSS of our scan (run in a child
 * process so its RSS is its own).
 *
 *   npx tsx test/bench/log-scan.ts [sizeMB]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileLogSource } from '../../src/sources/logs/file-source.js';
import type { LogEventKind } from '../../src/sources/logs/types.js';

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

function timeShell(cmd: string): { seconds: number; output: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd}: exit ${r.status} ${r.stderr}`);
  return { seconds, output: r.stdout.trim() };
}

interface ScanReport {
  seconds: number;
  events: number;
  linesRead: number;
  bytesRead: number;
  maxRssMB: number;
}

/** Child mode: one scan, report as JSON. */
async function scanChild(path: string, kinds: string, startMs: number, endMs: number): Promise<void> {
  const src = new FileLogSource({ type: 'file', path, member: 'etcd-0', format: 'zap' });
  const t0 = process.hrtime.bigint();
  const res = await src.fetch({
    start: startMs,
    end: endMs,
    signal: new AbortController().signal,
    limits: { maxBytes: Number.MAX_SAFE_INTEGER, maxLines: Number.MAX_SAFE_INTEGER, maxEvents: 10_000_000 },
    ...(kinds === 'all' ? {} : { kinds: kinds.split(',') as LogEventKind[] }),
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = res.stats['etcd-0']!;
  const report: ScanReport = {
    seconds,
    events: res.events.length,
    linesRead: s.linesRead,
    bytesRead: s.bytesRead,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(report));
}

function runChild(path: string, kinds: string, startMs: number, endMs: number): Promise<ScanReport> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, self, '--scan', path, kinds, String(startMs), String(endMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ScanReport) : reject(new Error(`scan exit ${code}`))));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--scan') {
    await scanChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5]), Number(process.argv[6]));
    return;
  }
  if (process.argv[2] === '--generate') {
    // Keep a generated file for profiling: --generate <path> <sizeMB>
    await generate(process.argv[3]!, Number(process.argv[4] ?? '100'), Date.UTC(2026, 0, 1));
    return;
  }
  const sizeMB = Number(process.argv[2] ?? '1024');
  const dir = mkdtempSync(join(tmpdir(), 'etcd-triage-bench-'));
  const path = join(dir, 'etcd.jsonl');
  try {
    const startMs = Date.UTC(2026, 0, 1);
    process.stdout.write(`generating ${sizeMB} MB … `);
    const gen = await generate(path, sizeMB, startMs);
    const mb = statSync(path).size / (1024 * 1024);
    console.log(`${mb.toFixed(0)} MB, ${gen.lines} lines`);

    const filter = 'apply request took too long';
    // Warm the page cache the same way for everyone.
    timeShell(`cat '${path}' > /dev/null`);
    // Best of three, interleaved, for grep and us: the machine may be shared, and the best run is the
    // one least disturbed by others. jq runs once (it is the slow baseline either way).
    let grep = { seconds: Infinity, output: '' };
    let ours: ScanReport | null = null;
    let all: ScanReport | null = null;
    for (let r = 0; r < 3; r++) {
      const g = timeShell(`grep -F '"msg":"${filter}"' '${path}' | wc -l`);
      if (g.seconds < grep.seconds) grep = g;
      const o = await runChild(path, 'apply-slow', startMs, gen.endMs + 1);
      if (ours === null || o.seconds < ours.seconds) ours = o;
      const a = await runChild(path, 'all', startMs, gen.endMs + 1);
      if (all === null || a.seconds < all.seconds) all = a;
    }
    // Pure scanning memory: a kind that never occurs, so no events are kept.
    const none = await runChild(path, 'clock-drift', startMs, gen.endMs + 1);
    if (ours === null || all === null) throw new Error('no runs');
    const hasJq = existsSync('/usr/bin/jq') || spawnSync('bash', ['-c', 'command -v jq']).status === 0;
    const jq = hasJq ? timeShell(`jq -c 'select(.msg=="${filter}")' '${path}' | wc -l`) : null;

    const rate = (s: number): string => `${(mb / s).toFixed(0)} MB/s`;
    const rows: Array<[string, number, string]> = [
      ['grep -F', grep.seconds, grep.output],
      ['etcd-triage file source (apply-slow)', ours.seconds, String(ours.events)],
      ['etcd-triage file source (all kinds)', all.seconds, String(all.events)],
    ];
    if (jq) rows.push(['jq select(.msg==…)', jq.seconds, jq.output]);
    console.log(`\n| tool | seconds | throughput | matches |\n|---|---|---|---|`);
    for (const [name, s, n] of rows) console.log(`| ${name} | ${s.toFixed(2)} | ${rate(s)} | ${n} |`);
    console.log('');
    if (jq) console.log(`vs jq:     ours ${(jq.seconds / ours.seconds).toFixed(1)}× faster (goal ≥ 10×); all kinds ${(jq.seconds / all.seconds).toFixed(1)}×`);
    console.log(`vs grep -F: ours ${(ours.seconds / grep.seconds).toFixed(2)}× its time (goal ≤ 3×); all kinds ${(all.seconds / grep.seconds).toFixed(2)}×`);
    console.log(
      `peak RSS of our scan: ${none.maxRssMB.toFixed(0)} MB scanning alone (no events kept, ${none.seconds.toFixed(2)} s), ` +
        `${ours.maxRssMB.toFixed(0)} MB (apply-slow: ${ours.events} events kept), ${all.maxRssMB.toFixed(0)} MB (all kinds: ${all.events} events kept)`,
    );
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
    console.log(`lines read: ${ours.linesRead} / generated ${gen.lines}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
