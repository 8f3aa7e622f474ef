/**
 * Start-up as people wait for it, with the package built as the container image runs it:
 *
 *   - `etcd-triage --help`: from process launch to the help text on stdout (the commands that only print
 *     load their own code on demand, never Bolt, BullMQ or ioredis);
 *   - `etcd-triage start`: from process launch to ready: GET /readyz answers 200 (the receiver listens
 *     and Redis answers) and the `ready` log line (the worker process reports its consumers running too).
 *
 *   npx tsx test/bench/start-ready.ts [runs, default 10]
 *
 * A real Redis and the Slack stand-in (no Slack call is made before ready); each `start` is stopped with
 * SIGTERM before the next. Wall-clock times include the process launch, as a user or a kubelet sees it.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SlackStandin } from '../support/slack-standin.js';
import { startRedis } from '../support/redis.js';
import { freePort, tempDir } from '../support/processes.js';
import { buildDist } from './build-dist.js';
import { percentile, reportBench } from './bench-result.js';

const runs = Number(process.argv[2] ?? 10);

/** Launch to the first byte of stdout, and the exit. */
function timeHelp(main: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [main, '--help'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let first: number | undefined;
    child.stdout.on('data', () => {
      first ??= performance.now() - t0;
    });
    child.once('exit', (code) => (code === 0 && first !== undefined ? resolve(first) : reject(new Error(`--help exited ${code}`))));
  });
}

/** CPU milliseconds each process had used when it logged `ready` (the front's line comes last). */
function readyCpu(stderr: string): number[] {
  return [...stderr.matchAll(/"cpuMs":(\d+)[^\n]*"msg":"ready"/g)].map((m) => Number(m[1]));
}

async function timeStart(
  main: string,
  configFile: string,
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<{ readyz: number; ready: number; cpuFront: number; cpuWorker: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [main, 'start', '--config', configFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let ready: number | undefined;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // Two `ready` lines: the worker process's, then the front's once both run.
    if (ready === undefined && readyCpu(stderr).length === 2) ready = performance.now() - t0;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let readyz: number | undefined;
  try {
    while (readyz === undefined || ready === undefined) {
      if (child.exitCode !== null) throw new Error(`start exited ${child.exitCode}: ${stderr.slice(-2000)}`);
      if (performance.now() - t0 > 30_000) throw new Error(`start not ready after 30 s: ${stderr.slice(-2000)}`);
      if (readyz === undefined) {
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
        if (ok) readyz = performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) process.stderr.write(`start exited ${code} after SIGTERM\n`);
  }
  const [cpuWorker, cpuFront] = readyCpu(stderr) as [number, number];
  return { readyz, ready, cpuFront, cpuWorker };
}

const { main } = buildDist();
const [redis, slack] = await Promise.all([startRedis(), SlackStandin.start()]);
try {
  const env = {
    ...process.env,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: 'bench-secret',
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'info',
  };
  const dir = tempDir('bench-start');
  const help: number[] = [];
  const readyz: number[] = [];
  const ready: number[] = [];
  const cpuFront: number[] = [];
  const cpuWorker: number[] = [];
  await timeHelp(main); // warm-up: the file system cache, not measured
  for (let i = 0; i < runs; i += 1) help.push(await timeHelp(main));
  for (let i = 0; i <= runs; i += 1) {
    const port = await freePort();
    const configFile = join(dir, `config-${i}.yaml`);
    writeFileSync(
      configFile,
      `server: { host: 127.0.0.1, port: ${port} }\nclusters:\n  lab:\n    prometheus: { url: "http://127.0.0.1:9" }\n    selector: { job: etcd }\n    slack: { channels: [C0BENCH] }\n`,
    );
    const t = await timeStart(main, configFile, port, env);
    if (i === 0) continue; // warm-up
    readyz.push(t.readyz);
    ready.push(t.ready);
    cpuFront.push(t.cpuFront);
    cpuWorker.push(t.cpuWorker);
  }
  const fmt = (xs: number[]): string => `p50 ${percentile(xs, 50).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (${xs.length} runs)`;
  console.log(`etcd-triage --help, launch to first output:        ${fmt(help)}`);
  console.log(`etcd-triage start, launch to /readyz 200:          ${fmt(readyz)}`);
  console.log(`etcd-triage start, launch to ready (worker too):   ${fmt(ready)}`);
  console.log(`CPU time to ready: front ${fmt(cpuFront)}; worker process ${fmt(cpuWorker)}`);
  reportBench({ bench: 'start-ready', what: '`etcd-triage --help`, launch to first output', budget: '≤ 250 ms', measured: fmt(help), pass: percentile(help, 50) <= 250 });
  reportBench({
    bench: 'start-ready',
    what: '`etcd-triage start`, launch to ready (/readyz 200: Redis connected, receiver listening)',
    budget: '≤ 2 s',
    measured: fmt(readyz),
    pass: percentile(readyz, 50) <= 2000,
  });
  reportBench({ bench: 'start-ready', what: '`etcd-triage start`, launch to the worker process running too', budget: '', measured: fmt(ready), pass: null });
  reportBench({
    bench: 'start-ready',
    what: '`etcd-triage start`, CPU time to ready (what start-up costs whatever the load)',
    budget: '',
    measured: `front ${fmt(cpuFront)}; worker process ${fmt(cpuWorker)}`,
    pass: null,
  });
} finally {
  await Promise.all([redis.stop(), slack.stop()]);
}
