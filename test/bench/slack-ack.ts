/**
 * Slash command acknowledgement latency: signed `/etcd why-slow` requests into the real Bolt HTTP
 * receiver, timed from request sent to response read.
 *
 *   npx tsx test/bench/slack-ack.ts [requests per run, default 200]
 *
 * The bot's HTTP front runs in a child process (as in production, it does not share a CPU thread with
 * the load generator). Its enqueue is an in-memory function, NOT Redis: this measures the front alone
 * (signature check, parsing, validation, ephemeral answer). The Slack Web API is never called on this
 * path (the answer is the HTTP response), so no stand-in is involved either.
 *
 * Runs: sequential (1 in flight), closed loop with 50 in flight, and bursts of 50 sent at once.
 *
 *   npx tsx test/bench/slack-ack.ts --with-diagnosis [requests, default 1500] [--start-only] [--pin]
 *
 * --pin gives the front a core of its own (see PIN below).
 *
 * The same bursts of 50 into the real `etcd-triage start` (real Redis and BullMQ, a real Prometheus
 * serving the recorded slow-disk incident, the Slack stand-in) while diagnoses run in the same `start`:
 * every command enqueues a diagnosis, so the workers are busy for the whole measurement. First the same
 * bursts are timed against a Node.js HTTP server that does nothing but answer (the machine's floor, see
 * serveFloor), so the figure can be read against what the machine allows any Node.js front. Measured twice:
 * `start` as shipped (the compiled package, the workers in a supervised child process) and, for comparison, the front and the
 * workers sharing one event loop (startServices('start') in one process, how `start` used to run).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { constants as perfConstants, monitorEventLoopDelay } from 'node:perf_hooks';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Agent } from 'undici';
import { configSchema } from '../../src/config/schema.js';
import { createSlackApp } from '../../src/ingress/slack/app.js';
import { startSlackServer } from '../../src/ingress/slack/server.js';
import { DEFAULT_COMMAND, sendPrepared, sendSlashCommand, signedHeaders, type SignedResponse } from '../support/slack-sign.js';
import { percentile, reportBench } from './bench-result.js';
import { buildDist } from './build-dist.js';
import type { FrontTimingRecord, GcEntry } from './front-timing.js';
import { RawBurst, type RawResponse } from '../support/raw-burst.js';
import { RawBurstThread } from '../support/raw-burst-thread.js';
import { procStat } from '../support/proc-stat.js';
import { investigating } from '../../src/ingress/slack/commands/messages.js';

const SECRET = 'bench-signing-secret';

async function serve(): Promise<void> {
  const config = configSchema.parse({
    clusters: { lab: { prometheus: { url: 'http://127.0.0.1:9' }, selector: { job: 'etcd' }, slack: { channels: ['C0LAB'] } } },
  });
  let n = 0;
  const app = createSlackApp({
    config,
    botToken: 'xoxb-bench',
    signingSecret: SECRET,
    slackApiUrl: 'http://127.0.0.1:9/api/',
    logger: pino({ level: 'silent' }),
    enqueueDiagnosis: async () => ({ jobId: String((n += 1)), deduplicated: false }),
  });
  const server = await startSlackServer(app, { host: '127.0.0.1', port: 0 });
  process.stdout.write(`${server.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
}

function summary(name: string, latencies: number[], wallMs: number, failures: number): string {
  const s = [...latencies].sort((a, b) => a - b);
  return (
    `${name.padEnd(28)} n=${s.length}  p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms  ` +
    `max ${s.at(-1)!.toFixed(2)} ms  ${((s.length / wallMs) * 1000).toFixed(0)} req/s  failures ${failures}`
  );
}

async function drive(total: number): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  const url = `${base}/slack/commands`;
  const dispatcher = new Agent({ connections: 64 });
  const send = (): Promise<SignedResponse> => sendSlashCommand(url, SECRET, { text: 'why-slow lab 15m' }, { dispatcher });
  const ok = (r: SignedResponse): boolean => r.status === 200 && r.body.includes('Investigating');

  console.log(`slash command ack latency; front in its own process; in-memory enqueue (no Redis); ${total} requests per run`);
  // Warm-up (JIT, 50 sockets), not measured.
  for (let i = 0; i < 4; i += 1) await Promise.all(Array.from({ length: 50 }, send));

  for (const concurrency of [1, 50]) {
    const latencies: number[] = [];
    let failures = 0;
    let issued = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (issued < total) {
          issued += 1;
          const r = await send();
          if (!ok(r)) failures += 1;
          latencies.push(r.latencyMs);
        }
      }),
    );
    console.log(summary(`closed loop, ${concurrency} in flight`, latencies, performance.now() - started, failures));
  }

  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  let busy = 0;
  for (let sent = 0; sent < total; sent += 50) {
    const t = performance.now();
    // Built and signed before the burst, as Slack signs each request before sending it.
    const prepared = Array.from({ length: Math.min(50, total - sent) }, () => {
      const body = new URLSearchParams({ ...DEFAULT_COMMAND, text: 'why-slow lab 15m' }).toString();
      return { headers: signedHeaders(SECRET, body), body };
    });
    const burst = await Promise.all(prepared.map((p) => sendPrepared(url, p, dispatcher)));
    busy += performance.now() - t;
    for (const r of burst) {
      if (!ok(r)) failures += 1;
      latencies.push(r.latencyMs);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  void started;
  console.log(summary('bursts of 50 at once', latencies, busy, failures));
  const p99 = percentile(latencies, 99);
  reportBench({
    bench: 'slack-ack',
    what: 'slash command ack, bursts of 50, front alone (in-memory enqueue)',
    budget: 'p99 ≤ 25 ms',
    measured: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ${failures} failed`,
    pass: p99 <= 25 && failures === 0,
  });

  await dispatcher.close();
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
}

// Many channels, so that the 1 message/s per channel pacing does not keep the diagnoses waiting instead of working.
const CHANNELS = Array.from({ length: 50 }, (_, i) => `C0BENCH${i}`);

/** How `start` ran before the workers got their own process: front and workers in one event loop. */
async function serveSingleLoop(configFile: string): Promise<void> {
  const [{ loadAll }, { startServices }, { readEnv }] = await Promise.all([
    import('../../src/cli/context.js'),
    import('../../src/cli/run/services.js'),
    import('../../src/config/env.js'),
  ]);
  const { config, playbooks } = loadAll(configFile);
  const services = await startServices('start', { config, playbooks, env: readEnv() });
  process.stdout.write(`${services.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void services.stop().then(() => process.exit(0)));
}

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat, and its
 * main thread's share (user + system), from /proc/<pid>/task/<pid>/stat: the front's cost per command,
 * which a busy machine distorts far less than latency. Null off Linux.
 */
function processCpuSeconds(pid: number | undefined): { user: number; system: number; mainThread: number } | null {
  if (pid === undefined) return null;
  try {
    // utime and stime are fields 14 and 15, read from one moment.
    const ticks = (statFile: string): [number, number] => {
      const field = procStat(statFile);
      return [field(14), field(15)];
    };
    const [user, system] = ticks(`/proc/${pid}/stat`);
    // The main thread's task id is the pid; the others are V8's helpers (optimising compiles, parallel
    // and concurrent GC) and libuv's pool.
    const [mainUser, mainSystem] = ticks(`/proc/${pid}/task/${pid}/stat`);
    return { user: user / CLOCK_TICKS, system: system / CLOCK_TICKS, mainThread: (mainUser + mainSystem) / CLOCK_TICKS };
  } catch {
    return null;
  }
}
/**
 * The CLI run as the bot: by default the package as the container image runs it (compiled, build-dist.ts),
 * since the sources through tsx cost the front about a tenth more CPU per command (transpiled helpers
 * such as esbuild's function-name wrappers on the hot path). BENCH_FRONT_MAIN=path/to/main.ts (or .js)
 * runs another build of it (the sources, or the code before a change).
 */
const FRONT_MAIN_OVERRIDE = process.env['BENCH_FRONT_MAIN'];
/** Node options for the `start` process only, e.g. BENCH_FRONT_NODE_ARGS='--cpu-prof --cpu-prof-dir=prof' to profile the front. */
const FRONT_NODE_ARGS = (process.env['BENCH_FRONT_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
/**
 * --pin: the front gets CPU 0 to itself; everything else (this load generator, Redis, Prometheus, the
 * Slack stand-in and the bot's worker process) shares CPU 1. In production the front's neighbours are
 * other machines or pods with CPU of their own; on a 2-core bench machine they otherwise take the
 * front's core mid-burst, and the figure measures the machine rather than the front.
 */
const PIN = process.argv.includes('--pin');
/** --sign-in-burst: each request signed as it is sent, inside the burst (the method before 1 December 2026). */
const SIGN_IN_BURST = process.argv.includes('--sign-in-burst');
/**
 * --undici-generator: the bursts sent and read through undici (the generator before 1 December 2026)
 * rather than written as prepared bytes on raw kept-alive sockets (raw-burst.ts), which costs the
 * generator a fraction of the CPU on the cores it shares with the bot.
 */
const UNDICI_GENERATOR = process.argv.includes('--undici-generator') || SIGN_IN_BURST;
/**
 * --same-thread-generator: the raw bursts written and timed on this process' main event loop (the
 * method before 1 December 2026), which also runs the Slack stand-in; by default they run on a thread
 * of their own (raw-burst-thread.ts), so the stand-in's work never delays reading an answer.
 */
const SAME_THREAD_GENERATOR = process.argv.includes('--same-thread-generator');
const pin = (pid: number, cpu: number): void => {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
};
/** The bot's worker process: the child `start` forks (its only Node child). */
const workerPids = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter((l) => l !== '').map(Number);
  } catch {
    return [];
  }
};
/** The bot under test; with --pin, started by taskset on CPU 0 (taskset execs it: the pid is the bot's). */
const spawnOnFront = (cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess =>
  PIN
    ? spawn('taskset', ['-c', '0', cmd, ...args], { env, stdio: ['pipe', 'ignore', 'inherit'] })
    : spawn(cmd, args, { env, stdio: ['pipe', 'ignore', 'inherit'] });
/**
 * Commands sent before the measurement (sockets, a first queue of diagnoses). Not enough for V8 to
 * optimise the front's path: most of its functions run once per command and reach the optimising
 * compiler only after a thousand commands or more (traced with --trace-opt after 1,000 warm-up commands:
 * 71 functions, Node's parserOnIncoming among them, were optimised for the first time during the measured
 * bursts, that one's compile taking 17.8 ms on a helper thread). A front in production sees far fewer
 * commands than that, so its path runs unoptimised there too, as measured here.
 */
const WARM_UP = 100;
/** Preloaded into the bot: times each command inside the front (see front-timing.ts). */
const FRONT_TIMING = fileURLToPath(new URL('./front-timing.ts', import.meta.url));

interface FrontTiming { p50: number; p99: number; loopP99Ms: number; loopMaxMs: number; gc: string }
/** Node's GC kinds (perf_hooks constants): the front's collections during the measured bursts, by kind. */
const GC_KINDS: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
function gcSummary(gcs: GcEntry[]): string {
  const byKind = new Map<string, number[]>();
  for (const g of gcs) {
    const kind = GC_KINDS[g.kind] ?? `kind ${g.kind}`;
    byKind.set(kind, [...(byKind.get(kind) ?? []), g.ms]);
  }
  if (byKind.size === 0) return 'none';
  return [...byKind].map(([k, ms]) => `${ms.length} ${k} (${ms.reduce((a, b) => a + b, 0).toFixed(1)} ms, longest ${Math.max(...ms).toFixed(1)} ms)`).join(', ');
}
/** The front's own timings of the last `total` commands (the measured ones), as front-timing.ts wrote them. */
function readFrontTiming(file: string, total: number): FrontTiming {
  const t = JSON.parse(readFileSync(file, 'utf8')) as FrontTimingRecord;
  const measured = t.durations.slice(-total);
  return { p50: percentile(measured, 50), p99: percentile(measured, 99), loopP99Ms: t.loopP99Ms, loopMaxMs: t.loopMaxMs, gc: gcSummary(t.gcs) };
}
/** USER_HZ: 100 on every Linux we run on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

/**
 * The machine's floor: a Node.js HTTP server that only reads each request's body and answers a fixed
 * body (the bot's answer), in one write with its length, in a process of its own. Timed under the
 * same bursts from the same generator (raw sockets on a thread of their own), with Redis, Prometheus
 * and the Slack stand-in started but idle. The bot answers no faster than this on the same machine: the
 * budget minus this floor is what its own work (signature, validation, the durable write, and sharing
 * the cores with the diagnoses) may take. On a 2-core machine the floor alone can be most of the budget.
 */
function serveFloor(port: number): void {
  // The bot's answer to the commands sent, so the same bytes go back.
  const answer = JSON.stringify({ response_type: 'ephemeral', text: investigating('lab', '15m', false) });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.sendDate = false;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) }).end(answer);
    });
  });
  server.listen(port, '127.0.0.1');
  process.stdin.resume();
  process.stdin.on('end', () => server.close(() => process.exit(0)));
}

interface Bursts {
  latencies: number[];
  /** Each burst's last answer: a burst's answers leave together, so its slowest is nearly all of them. */
  burstLast: number[];
  /** Answers that were not what the command should get. */
  failures: number;
}

type Answer = Pick<RawResponse, 'status' | 'body' | 'latencyMs'>;

/** `total` commands in bursts of 50, 100 ms apart, each burst sent once the last one is answered. */
async function timeBursts(total: number, burstOf: (n: number) => Promise<Answer[]>, ok: (a: Answer) => boolean): Promise<Bursts> {
  const bursts: Bursts = { latencies: [], burstLast: [], failures: 0 };
  for (let sent = 0; sent < total; sent += 50) {
    const burst = await burstOf(Math.min(50, total - sent));
    for (const a of burst) {
      if (!ok(a)) bursts.failures += 1;
      bursts.latencies.push(a.latencyMs);
    }
    bursts.burstLast.push(Math.max(...burst.map((a) => a.latencyMs)));
    await new Promise((r) => setTimeout(r, 100));
  }
  return bursts;
}

async function measureFloor(total: number): Promise<Bursts> {
  const { freePort, waitFor } = await import('../support/processes.js');
  const port = await freePort();
  const server = spawnOnFront(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve-floor', String(port)], process.env);
  const exited = new Promise((r) => server.once('exit', r));
  try {
    await waitFor('the floor server', async () => (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '' })).status === 200, 30_000, 100);
    const raw = await RawBurstThread.open(port, 50);
    const body = new URLSearchParams({ ...DEFAULT_COMMAND, text: 'why-slow lab 15m' }).toString();
    const burstOf = (n: number): Promise<RawResponse[]> =>
      raw.send(Array.from({ length: n }, () => raw.request('/slack/commands', signedHeaders(SECRET, body), body)));
    for (let i = 0; i < WARM_UP / 50; i += 1) await burstOf(50);
    const bursts = await timeBursts(total, burstOf, (a) => a.status === 200);
    await raw.close();
    if (bursts.failures > 0) throw new Error(`the floor server failed ${bursts.failures} of ${total} requests`);
    return bursts;
  } finally {
    server.stdin!.end();
    await exited;
  }
}

async function driveWithDiagnosis(total: number, shapes: ReadonlyArray<'start' | 'one event loop'>): Promise<void> {
  const [{ startRedis }, { loadScenario }, { SlackStandin }, { freePort, tempDir, waitFor }] = await Promise.all([
    import('../support/redis.js'),
    import('../support/fixture-prometheus.js'),
    import('../support/slack-standin.js'),
    import('../support/processes.js'),
  ]);
  // Pinned before the services start, so Redis and Prometheus inherit CPU 1.
  if (PIN) pin(process.pid, 1);
  const [redis, prom, slack] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  const env = {
    ...process.env,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'warn',
  };
  const dir = tempDir('bench-ack');
  const frontMain = FRONT_MAIN_OVERRIDE ?? buildDist().main;
  let floor: Bursts;
  const results: Array<
    Bursts & {
      what: string;
      verdicts: number;
      /** The front's CPU per command, the part of it spent in the kernel (sockets), and on its main thread (the event loop). */
      cpuMsPerCommand: { total: number; system: number; mainThread: number } | null;
      load: number;
      inside?: FrontTiming & { generatorLoopP99Ms: number; generatorLoopMaxMs: number };
    }
  > = [];
  let bot: ChildProcess | undefined;
  try {
    floor = await measureFloor(total);
    for (const shape of shapes) {
      const port = await freePort();
      const configFile = join(dir, `config-${port}.yaml`);
      writeFileSync(
        configFile,
        `server: { host: 127.0.0.1, port: ${port} }\n` +
          `jobs: { dedupeSeconds: 0, attempts: 1, concurrency: 8 }\n` +
          `clusters:\n  lab:\n    prometheus: { url: "${prom.url}" }\n    selector: { job: etcd }\n` +
          `    nodeExporter: { selector: { job: node }, match: { by: host, memberLabel: address, nodeLabel: address } }\n    slack: { channels: [${CHANNELS.join(', ')}] }\n` +
          // The incident's etcd logs too: reading them is the CPU-heavy part of a diagnosis.
          `    logs:\n${Object.entries(prom.logFiles).map(([m, f]) => `      - { type: file, path: "${f}", member: "${m}" }\n`).join('')}`,
      );
      const timingFile = join(dir, `front-timing-${port}.json`);
      const frontEnv = { ...env, BENCH_FRONT_TIMING_FILE: timingFile, BENCH_FRONT_TIMING_SKIP: String(WARM_UP) };
      const child: ChildProcess =
        shape === 'start'
          ? spawnOnFront(process.execPath, [...FRONT_NODE_ARGS, '--import', 'tsx', '--import', FRONT_TIMING, frontMain, 'start', '--config', configFile], frontEnv)
          : spawnOnFront(process.execPath, [...process.execArgv, '--import', FRONT_TIMING, fileURLToPath(import.meta.url), '--serve-single', configFile], frontEnv);
      bot = child;
      const base = `http://127.0.0.1:${port}`;
      await waitFor('the bot to be ready', async () => (await fetch(`${base}/readyz`)).status === 200, 60_000, 100);
      if (PIN) {
        await waitFor('the worker process', async () => workerPids(child.pid!).length > 0 || shape !== 'start', 30_000, 100);
        for (const w of workerPids(child.pid!)) pin(w, 1);
      }
      const dispatcher = new Agent({ connections: 64 });
      let seq = 0;
      // Every command is a distinct request (channel × window), so none joins another: each one is a diagnosis.
      const prepare = (): { headers: Record<string, string>; body: string } => {
        const i = (seq += 1);
        const body = new URLSearchParams({
          ...DEFAULT_COMMAND,
          text: `why-slow lab ${1 + Math.floor(i / CHANNELS.length)}m`,
          channel_id: CHANNELS[i % CHANNELS.length]!,
        }).toString();
        return { headers: signedHeaders(SECRET, body), body };
      };
      const url = `${base}/slack/commands`;
      const send = (): Promise<SignedResponse> => sendPrepared(url, prepare(), dispatcher);
      const raw = UNDICI_GENERATOR ? undefined : SAME_THREAD_GENERATOR ? await RawBurst.open(port, 50) : await RawBurstThread.open(port, 50);
      // Slack signs each request before it sends it: the burst's requests are built and signed first,
      // then sent back to back, so the load generator's signing is neither in the latency nor competing
      // with the front mid-burst (SIGN_IN_BURST: signed one by one as they are sent, as measured before).
      const burstOf = (n: number): Promise<Array<SignedResponse | RawResponse>> => {
        if (SIGN_IN_BURST) return Promise.all(Array.from({ length: n }, send));
        const prepared = Array.from({ length: n }, prepare);
        if (raw !== undefined) return raw.send(prepared.map((p) => raw.request('/slack/commands', p.headers, p.body)));
        return Promise.all(prepared.map((p) => sendPrepared(url, p, dispatcher)));
      };
      // Warm-up: JIT, sockets, and a first queue of diagnoses so the workers are busy from the start.
      for (let i = 0; i < WARM_UP / 50; i += 1) await burstOf(50);
      await waitFor('a first verdict', () => slack.okCallsOf('chat.postMessage').some((c) => typeof c.args.thread_ts === 'string'), 60_000, 20);
      const verdictsBefore = slack.okCallsOf('chat.postMessage').filter((c) => typeof c.args.thread_ts === 'string').length;
      // The front is the process `start` runs in (its workers are a child of it); with one event loop
      // it is that loop's process, so its CPU includes the diagnoses.
      const cpuBefore = processCpuSeconds(child.pid);
      // The load generator's own event-loop delay while it waits for the bursts' answers: a response the
      // front sent in time but that this process reads late is counted late.
      const generatorLoop = monitorEventLoopDelay({ resolution: 1 });
      generatorLoop.enable();
      const measured = await timeBursts(total, burstOf, (a) => a.status === 200 && a.body.includes('Investigating'));
      generatorLoop.disable();
      const cpuAfter = processCpuSeconds(child.pid);
      const perCommand = (a: number, b: number): number => ((b - a) * 1000) / total;
      const cpuMsPerCommand =
        cpuBefore === null || cpuAfter === null
          ? null
          : {
              total: perCommand(cpuBefore.user + cpuBefore.system, cpuAfter.user + cpuAfter.system),
              system: perCommand(cpuBefore.system, cpuAfter.system),
              mainThread: perCommand(cpuBefore.mainThread, cpuAfter.mainThread),
            };
      const verdicts = slack.okCallsOf('chat.postMessage').filter((c) => typeof c.args.thread_ts === 'string').length - verdictsBefore;
      await raw?.close();
      const generator = UNDICI_GENERATOR ? ', undici generator' : SAME_THREAD_GENERATOR ? ', generator on the main thread' : '';
      results.push({ what: PIN ? `${shape}, front pinned to its own core${generator}` : `${shape}${generator}`, ...measured, verdicts, cpuMsPerCommand, load: loadavg()[0]! });
      await dispatcher.close();
      const exited = new Promise((r) => child.once('exit', r));
      if (shape === 'start') child.kill('SIGTERM');
      else child.stdin!.end();
      // Jobs left in the queue are not waited for: the shutdown bound (25 s) ends it at worst.
      await exited;
      const front = readFrontTiming(timingFile, total);
      results[results.length - 1]!.inside = {
        ...front,
        generatorLoopP99Ms: generatorLoop.percentile(99) / 1e6,
        generatorLoopMaxMs: generatorLoop.max / 1e6,
      };
      await new Promise<void>((resolve, reject) => {
        const c = spawn('redis-cli', ['-u', redis.url, 'FLUSHALL'], { stdio: 'ignore' });
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`FLUSHALL exited ${code}`))));
      });
    }
  } finally {
    // A run that failed midway must not leave the bot (and its worker process) running.
    if (bot !== undefined && bot.exitCode === null && bot.signalCode === null) bot.kill('SIGKILL');
    await Promise.all([redis.stop(), prom.stop(), slack.stop()]);
  }
  console.log(`slash command ack while diagnoses run in the same bot; ${total} commands in bursts of 50, each one a diagnosis`);
  const floorP99 = percentile(floor.latencies, 99);
  console.log(
    `${summary('floor', floor.latencies, 1, 0).replace(/\s+\d+ req\/s\s+failures 0/, '')}  ` +
      `(a Node.js HTTP server that only reads each request and answers a fixed body, same bursts, same generator, nothing else busy)`,
  );
  console.log(
    `  each burst's last answer: median ${percentile(floor.burstLast, 50).toFixed(1)} ms, slowest ${Math.max(...floor.burstLast).toFixed(1)} ms; ` +
      (floorP99 < 25 ? `the budget leaves the bot ${(25 - floorP99).toFixed(1)} ms over the floor's p99` : `the floor's p99 alone is over the budget`),
  );
  for (const r of results) {
    const cpu = r.cpuMsPerCommand === null ? 'front CPU unknown' : `front CPU ${r.cpuMsPerCommand.total.toFixed(2)} ms per command (${r.cpuMsPerCommand.system.toFixed(2)} in the kernel; ${r.cpuMsPerCommand.mainThread.toFixed(2)} on the event loop's thread, ${(r.cpuMsPerCommand.total - r.cpuMsPerCommand.mainThread).toFixed(2)} on V8's and libuv's helper threads)`;
    console.log(`${summary(`${r.what}`, r.latencies, 1, r.failures).replace(/\s+\d+ req\/s/, '')}  verdicts posted meanwhile ${r.verdicts}  ${cpu}  load ${r.load.toFixed(1)}`);
    // p99 is the 15th slowest of 1,500: one slow burst (its 50 answers leave together) can set it alone.
    const over = r.burstLast.filter((ms) => ms > 25).length;
    console.log(
      `  each burst's last answer: median ${percentile(r.burstLast, 50).toFixed(1)} ms, slowest ${Math.max(...r.burstLast).toFixed(1)} ms; ` +
        `${over} of ${r.burstLast.length} bursts had an answer over 25 ms`,
    );
    const i = r.inside;
    if (i !== undefined) {
      console.log(
        `  inside the front (request event → response finished): p50 ${i.p50.toFixed(2)} ms, p99 ${i.p99.toFixed(2)} ms; ` +
          `front event-loop delay p99 ${i.loopP99Ms.toFixed(1)} ms, max ${i.loopMaxMs.toFixed(1)} ms; ` +
          `${UNDICI_GENERATOR || SAME_THREAD_GENERATOR ? 'load generator' : "the benchmark's main thread (Slack stand-in; the generator has a thread of its own)"} ` +
          `event-loop delay p99 ${i.generatorLoopP99Ms.toFixed(1)} ms, max ${i.generatorLoopMaxMs.toFixed(1)} ms; ` +
          `front garbage collections: ${i.gc}`,
      );
    }
    const p99 = percentile(r.latencies, 99);
    reportBench({
      bench: 'slack-ack',
      what:
        r.what.startsWith('start')
          ? `slash command ack, bursts of 50, while diagnoses run (start: workers in their own process${PIN ? '; front pinned to a core of its own' : ''})`
          : 'the same with front and workers in one event loop (before)',
      budget: r.what.startsWith('start') ? 'p99 ≤ 25 ms' : '',
      measured: `p50 ${percentile(r.latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ${over} of ${r.burstLast.length} bursts over 25 ms, ${r.failures} failed, ${r.verdicts} verdicts meanwhile, ${cpu}, load ${r.load.toFixed(1)}; the machine's floor (a do-nothing Node.js HTTP server, same bursts) p50 ${percentile(floor.latencies, 50).toFixed(1)} ms, p99 ${floorP99.toFixed(1)} ms`,
      pass: r.what.startsWith('start') ? p99 <= 25 && r.failures === 0 : null,
    });
  }
}

if (process.argv.includes('--serve-floor')) {
  serveFloor(Number(process.argv[process.argv.indexOf('--serve-floor') + 1]));
} else if (process.argv.includes('--serve')) {
  void serve();
} else if (process.argv.includes('--serve-single')) {
  void serveSingleLoop(process.argv[process.argv.indexOf('--serve-single') + 1]!);
} else if (process.argv.includes('--with-diagnosis')) {
  const n = process.argv.slice(2).find((a) => /^\d+$/.test(a));
  // --start-only: skip the one-event-loop comparison (half the time, for before/after runs of the front).
  const shapes = process.argv.includes('--start-only') ? (['start'] as const) : (['start', 'one event loop'] as const);
  // Redis, Prometheus and the bot keep their data under TMPDIR: one folder of our own, removed at the end,
  // so a run on its own leaves the system temporary folder as it was (npm run bench does the same).
  const tmp = mkdtempSync(join(tmpdir(), 'etcd-triage-bench-slack-ack-'));
  process.env['TMPDIR'] = tmp;
  void driveWithDiagnosis(Number(n ?? 1500), shapes).then(
    () => rmSync(tmp, { recursive: true, force: true }),
    (err: unknown) => {
      console.error(err);
      rmSync(tmp, { recursive: true, force: true });
      process.exit(1);
    },
  );
} else {
  drive(Number(process.argv[2] ?? 200)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
