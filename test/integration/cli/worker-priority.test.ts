import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { freePort, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';
import { procStat } from '../../support/proc-stat.js';
import { startRedis } from '../../support/redis.js';
import { sendSlashCommand } from '../../support/slack-sign.js';
import { SlackStandin } from '../../support/slack-standin.js';

/**
 * `start` runs its worker process under SCHED_IDLE (every thread of it, the garbage collector's too), so a
 * diagnosis never holds the core the front needs for an acknowledgement; the front keeps the normal
 * policy, and the worker still does its work: the verdict is posted.
 */
const SECRET = 'priority-signing-secret';
const CHANNEL = 'C0PRIORITY';
/** Linux scheduling policies as /proc/<pid>/stat reports them (field 41). */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

let prom: LoadedScenario;
let slack: SlackStandin;
let redis: RunningProcess & { url: string };
let child: ChildProcess | undefined;

beforeAll(async () => {
  [prom, slack, redis] = await Promise.all([
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
    startRedis(),
  ]);
}, 120_000);

afterAll(async () => {
  await stopBot();
  await Promise.all([prom?.stop(), slack?.stop(), redis?.stop()]);
});

/** Field `n` (1-based, as proc(5) numbers them) of every thread of a process. */
function threadField(pid: number, n: number, tids = readdirSync(`/proc/${pid}/task`)): number[] {
  return tids.map((tid) => procStat(`/proc/${pid}/task/${tid}/stat`)(n));
}
const threadPolicies = (pid: number): number[] => threadField(pid, 41);
const threadNiceness = (pid: number): number[] => threadField(pid, 19);

async function stopBot(): Promise<void> {
  const c = child;
  child = undefined;
  if (c !== undefined && c.exitCode === null && c.signalCode === null) {
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await gone;
  }
}

/** The variables a process started with. */
function environment(pid: number): Map<string, string> {
  const vars = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((v) => v !== '');
  return new Map(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
}

/**
 * `etcd-triage start` with `server.workerPriority` as given and `logFiles` file log sources (files not
 * written yet: the diagnosis says so and still judges from the metrics); a why-slow answered; the pids.
 */
async function startAndDiagnose(
  priority: string | undefined,
  channel: string,
  logFiles = 0,
  extraEnv: Record<string, string> = {},
): Promise<{ front: number; worker: number }> {
  // A bot left by a test that failed before stopping it must not outlive the file.
  await stopBot();
  const port = await freePort();
  const dir = tempDir('worker-priority');
  const configFile = join(dir, 'config.yaml');
  const logs = Array.from({ length: logFiles }, (_, i) => `      - { type: file, path: "${join(dir, `etcd-${i}.log`)}", member: "etcd-${i}" }\n`);
  writeFileSync(
    configFile,
    `server: { host: 127.0.0.1, port: ${port}${priority === undefined ? '' : `, workerPriority: ${priority}`} }\n` +
      `clusters:\n  lab:\n    prometheus: { url: "${prom.url}", timeoutMs: 2000 }\n` +
      `    selector: { job: etcd }\n    slack: { channels: ["${channel}"] }\n` +
      (logs.length > 0 ? `    logs:\n${logs.join('')}` : ''),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LOG_LEVEL: 'warn', ...extraEnv };
  if (!('UV_THREADPOOL_SIZE' in extraEnv)) delete env['UV_THREADPOOL_SIZE'];
  const bot = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--config', configFile], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child = bot;
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the bot ready', async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200, 60_000, 100);
  let worker: number | undefined;
  await waitFor('the worker process', () => {
    // Its children: the worker process, and under tsx an esbuild service too.
    const pids = execFileSync('pgrep', ['-P', String(bot.pid)], { encoding: 'utf8' }).trim().split('\n').filter((l) => l !== '');
    worker = pids.map(Number).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('worker'));
    return worker !== undefined;
  }, 30_000, 100);

  const res = await sendSlashCommand(`${url}/slack/commands`, SECRET, { text: 'why-slow lab 5m', channel_id: channel });
  expect(res.status).toBe(200);
  expect(res.body).toContain('Investigating');
  await waitFor('the verdict in a thread', () => {
    const p = slack.history(channel)[0];
    return p !== undefined && /Slow disk on/.test(p.text) && slack.threadReplies(channel, p.ts).length === 1;
  }, 60_000);
  return { front: bot.pid!, worker: worker! };
}

describe.runIf(process.platform === 'linux')("the worker process yields the CPU to the front", () => {
  it('start: worker threads under SCHED_IDLE, the front under the normal policy; a diagnosis still gets its verdict', async () => {
    const { front, worker } = await startAndDiagnose(undefined, CHANNEL, 6);
    const workerPolicies = threadPolicies(worker);
    expect(workerPolicies.length).toBeGreaterThan(1);
    expect(new Set(workerPolicies)).toEqual(new Set([SCHED_IDLE]));
    expect(new Set(threadPolicies(front))).toEqual(new Set([SCHED_OTHER]));
    // The worker's I/O pool has a thread per log file beyond libuv's four: six files on one dead mount
    // cannot take every thread. The front reads no log files and keeps libuv's default.
    expect(environment(worker).get('UV_THREADPOOL_SIZE')).toBe('10');
    expect(environment(front).has('UV_THREADPOOL_SIZE')).toBe(false);
    await stopBot();
  }, 120_000);

  it('server.workerPriority: nice keeps the normal policy and only lowers the niceness, for a host shared with other busy services', async () => {
    // An I/O pool size the operator chose is the worker's, whatever the config's log files.
    const { front, worker } = await startAndDiagnose('nice', `${CHANNEL}NICE`, 2, { UV_THREADPOOL_SIZE: '3' });
    expect(environment(worker).get('UV_THREADPOOL_SIZE')).toBe('3');
    expect(new Set(threadPolicies(worker))).toEqual(new Set([SCHED_OTHER]));
    // The niceness is set on the process (its main thread) right after it starts.
    expect(threadField(worker, 19, [String(worker)])).toEqual([10]);
    expect(new Set(threadNiceness(front))).toEqual(new Set([0]));
    await stopBot();
  }, 120_000);
});
