import type { App } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnoseJobData } from '../../../src/jobs/diagnose/job.js';
import { DiagnoseQueue } from '../../../src/jobs/diagnose/queue.js';
import { CommandIntake } from '../../../src/jobs/commands/command-intake.js';
import { startCommandDrain, type CommandDrain } from '../../../src/jobs/commands/command-drain.js';
import { commandIntakeKeys } from '../../../src/jobs/commands/intake-keys.js';
import { frontConnection, redisConnection, type RedisClient } from '../../../src/jobs/redis.js';
import { createSlackApp } from '../../../src/ingress/slack/app.js';
import { startSlackServer, type RunningSlackServer } from '../../../src/ingress/slack/server.js';
import { DEFAULT_COMMAND, sendSlashCommand, signedHeaders } from '../../support/slack-sign.js';
import { RawBurst } from '../../support/raw-burst.js';
import { startRedis } from '../../support/redis.js';
import { startSlowProxy, type SlowProxy } from '../../support/slow-proxy.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { SIGNING_SECRET, silentLogger, testAppOptions } from '../slack/fixtures.js';

/**
 * `/etcd why-slow` through the real HTTP front into the command intake of a real Redis, and from there by
 * the workers' drain into the real BullMQ diagnose queue: the answer comes only once the command is in
 * Redis, identical commands join one diagnosis before and after the drain, a drain that died is taken
 * over, and a Redis that is down or slow gets the user an error, never "Investigating".
 */
describe('slash commands through the command intake', () => {
  let redis: RunningProcess & { url: string };
  let counter = 0;
  const opened: Array<{ stop(): Promise<unknown> }> = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.stop();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** A front (Slack app + intake) and, on demand, a worker-side drain, on a fresh prefix. */
  async function setUp(opts: { redisUrl?: string; enqueueTimeoutMs?: number } = {}) {
    const prefix = `ci${Date.now()}x${(counter += 1)}`;
    const url = opts.redisUrl ?? redis.url;
    const frontConn = frontConnection(url);
    const queueConn = frontConnection(url);
    const frontQueue = new DiagnoseQueue({ connection: queueConn, prefix, dedupeSeconds: 60, attempts: 1 });
    const intake = new CommandIntake(frontConn, frontQueue, prefix);
    const app: App = createSlackApp({
      ...testAppOptions((r) => frontQueue.enqueue(r)),
      enqueueCommand: (r) => intake.enqueue(r),
      enqueueTimeoutMs: opts.enqueueTimeoutMs ?? 2000,
    });
    const server: RunningSlackServer = await startSlackServer(app, { host: '127.0.0.1', port: 0 });
    const inspect = redisConnection(redis.url, 'test-inspect');
    const conns: RedisClient[] = [frontConn, queueConn, inspect];
    opened.push({
      stop: async () => {
        await server.stop();
        await frontQueue.close();
        for (const c of conns) c.disconnect();
      },
    });
    const keys = commandIntakeKeys(prefix);
    const drainQueue = new DiagnoseQueue({ connection: inspect, prefix, dedupeSeconds: 60, attempts: 1 });
    const startDrain = (claimIdleMs = 30_000): CommandDrain => {
      const conn = redisConnection(redis.url, 'test-drain');
      conns.push(conn);
      const drain = startCommandDrain({ connection: conn, queue: drainQueue, prefix, logger: silentLogger, claimIdleMs, blockMs: 100 });
      opened.push(drain);
      return drain;
    };
    const send = async (text: string) => {
      const res = await sendSlashCommand(`${server.url}/slack/commands`, SIGNING_SECRET, { text, channel_id: 'C0LAB' });
      expect(res.status).toBe(200);
      return (res.json as { response_type: string; text: string }).text;
    };
    const jobs = async (): Promise<DiagnoseJobData[]> => (await drainQueue.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])).map((j) => j.data);
    return { prefix, keys, inspect, send, startDrain, jobs, drainQueue, port: server.port, server: server.server };
  }

  it('the answer comes once the command is in Redis; the drain makes it one diagnose job for that channel and window', async () => {
    const t = await setUp();
    const answer = await t.send('why-slow lab 15m');
    expect(answer).toContain('Investigating *lab* over the last 15m');
    // No drain runs yet: the command is in the intake stream, durably, and nowhere else.
    expect(await t.inspect.xlen(t.keys.stream)).toBe(1);
    expect(await t.jobs()).toEqual([]);

    t.startDrain();
    await waitFor('the diagnose job', async () => (await t.jobs()).length === 1);
    const [job] = await t.jobs();
    expect(job!.request).toEqual({ cluster: 'lab', windowSeconds: 900, origin: { kind: 'slack-command', channelId: 'C0LAB', userId: 'U0ALICE' } });
    expect(job!.slack).toEqual({ channel: 'C0LAB' });
    await waitFor('the intake emptied', async () => (await t.inspect.xlen(t.keys.stream)) === 0);
    expect(await t.inspect.keys(`${t.prefix}:command-intake:pending:*`)).toEqual([]);
  });

  it('identical commands join one diagnosis, before and after the drain; another window is its own', async () => {
    const t = await setUp();
    expect(await t.send('why-slow lab 15m')).toContain('Investigating *lab*');
    expect(await t.send('why-slow lab 15m')).toContain('An identical diagnosis of *lab* over the last 15m is already running');
    expect(await t.inspect.xlen(t.keys.stream)).toBe(1);

    t.startDrain();
    await waitFor('the diagnose job', async () => (await t.jobs()).length === 1);
    await waitFor('the intake emptied', async () => (await t.inspect.xlen(t.keys.stream)) === 0);
    // Now the diagnose queue's own deduplication answers.
    expect(await t.send('why-slow lab 15m')).toContain('already running');
    expect(await t.send('why-slow lab 30m')).toContain('Investigating *lab* over the last 30m');
    await waitFor('the second job', async () => (await t.jobs()).length === 2);
    expect((await t.jobs()).map((j) => j.request.windowSeconds).sort((a, b) => a - b)).toEqual([900, 1800]);
  });

  it('a burst of commands at once is accepted in a few script calls, each command answered for itself', async () => {
    const t = await setUp();
    const windows = [1, 2, 3, 4, 5, 6, 7, 8];
    // 40 commands written at once, as a burst reaches the front: 8 distinct windows, each sent 5 times.
    const texts = Array.from({ length: 40 }, (_, i) => `why-slow lab ${windows[i % 8]}m`);
    const burst = await RawBurst.open(t.port, texts.length);
    // The front (in this process) accepts the connections a little after they open: wait for it, so that
    // the requests all arrive in one turn of its event loop, as a burst from Slack reaches a front of its own.
    const accepted = (): Promise<number> => new Promise((resolve, reject) => t.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    await waitFor('the front to accept every connection', async () => (await accepted()) >= texts.length, 10_000, 10);
    const requests = texts.map((text) => {
      const body = new URLSearchParams({ ...DEFAULT_COMMAND, text, channel_id: 'C0LAB' }).toString();
      return burst.request('/slack/commands', signedHeaders(SIGNING_SECRET, body), body);
    });
    await t.inspect.config('RESETSTAT');
    const responses = await burst.send(requests);
    burst.close();
    expect(responses.map((r) => r.status)).toEqual(texts.map(() => 200));
    const answers = responses.map((r) => (JSON.parse(r.body) as { text: string }).text);
    const stats = (await t.inspect.info('commandstats')).split('\r\n');
    const scriptCalls = stats
      .filter((l) => /^cmdstat_eval(sha)?:/.test(l))
      .reduce((n, l) => n + Number(/calls=(\d+)/.exec(l)![1]), 0);
    // Without batching this is 40; with it, one call per 16 commands read in one turn of the event loop.
    expect(scriptCalls).toBeGreaterThanOrEqual(3);
    expect(scriptCalls).toBeLessThanOrEqual(10);
    for (const w of windows) {
      const mine = answers.filter((_, i) => texts[i] === `why-slow lab ${w}m`);
      expect(mine.filter((a) => a.includes(`Investigating *lab* over the last ${w}m`))).toHaveLength(1);
      expect(mine.filter((a) => a.includes('is already running'))).toHaveLength(4);
    }
    expect(await t.inspect.xlen(t.keys.stream)).toBe(8);
  });

  it('a command taken by a drain that died is moved by another drain, once', async () => {
    const t = await setUp();
    expect(await t.send('why-slow lab 15m')).toContain('Investigating');
    // A drain takes the command and dies before moving it.
    await t.inspect.xgroup('CREATE', t.keys.stream, t.keys.group, '0', 'MKSTREAM');
    const taken = (await t.inspect.xreadgroup('GROUP', t.keys.group, 'dead-worker', 'COUNT', 10, 'STREAMS', t.keys.stream, '>')) as Array<[string, unknown[]]>;
    expect(taken[0]![1]).toHaveLength(1);

    t.startDrain(300);
    t.startDrain(300);
    await waitFor('the diagnose job', async () => (await t.jobs()).length === 1, 10_000);
    await waitFor('the intake emptied', async () => (await t.inspect.xlen(t.keys.stream)) === 0, 10_000);
    // Two live drains and a dead one: still exactly one job.
    await new Promise((r) => setTimeout(r, 500));
    expect(await t.jobs()).toHaveLength(1);
  });

  it('Redis down: the user is told nothing was started (never "Investigating"), and nothing is queued', async () => {
    const own = await startRedis();
    // Stopped here on success; registered too, so a failed assertion does not leave it running.
    opened.push(own);
    const t = await setUp({ redisUrl: own.url, enqueueTimeoutMs: 1000 });
    expect(await t.send('why-slow lab 15m')).toContain('Investigating');
    await own.stop();
    const answer = await t.send('why-slow lab 30m');
    expect(answer).toContain('Could not queue the diagnosis of *lab*');
    expect(answer).toContain('Nothing was started');
  });

  it('Redis slower than the deadline: the answer is the same error, not a late "Investigating"', async () => {
    let proxy: SlowProxy | undefined;
    try {
      proxy = await startSlowProxy(redis.url, 1500);
      const t = await setUp({ redisUrl: `redis://127.0.0.1:${proxy.port}`, enqueueTimeoutMs: 500 });
      // The proxy also delays the connection's handshake: wait until it is through.
      await new Promise((r) => setTimeout(r, 2000));
      // Redis would say yes, but only after the front's 500 ms deadline: the user is told to retry.
      const answer = await t.send('why-slow lab 15m');
      expect(answer).toContain('Could not queue the diagnosis of *lab*');
    } finally {
      await proxy?.close();
    }
  });
});
