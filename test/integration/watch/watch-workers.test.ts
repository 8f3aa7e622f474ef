import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCH_QUEUE } from '../../../src/jobs/watch/job.js';
import { evaluationTick } from '../../../src/jobs/watch/worker.js';
import { WatchStore } from '../../../src/incidents/watch/watch-store.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { metadataKeyOf, SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { botEnv, startBotProcess, writeConfig, type BotProcess } from '../../support/bot-processes.js';

/**
 * The watch in real `etcd-triage worker` processes. The first worker is killed (SIGKILL) at the worst
 * moment: Slack has accepted a warning's parent and the worker never reads the answer, so Redis never
 * learns its ts. Two fresh workers then run side by side. Every cluster must end with exactly one
 * warning thread, complete, and every tick of every cluster must have been evaluated by one job.
 */
const CLUSTERS = ['w-0', 'w-1', 'w-2'];
const channelOf = (c: string): string => `C0WATCH${c.replace('-', '').toUpperCase()}`;

let redis: RunningProcess & { url: string };
let prom: LoadedScenario;
let slack: SlackStandin;
let configFile: string;
const workers: BotProcess[] = [];

beforeAll(async () => {
  [redis, prom, slack] = await Promise.all([
    startRedis(),
    // The fault is in progress now and lasts another 2 minutes.
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) + 120 }),
    SlackStandin.start(),
  ]);
  configFile = writeConfig(`
watch: { enabled: true, intervalSeconds: 5, hysteresis: { openAfter: 2, recoverAfter: 3 } }
jobs: { stalledSeconds: 5 }
clusters:
${CLUSTERS.map((c) => `  ${c}:\n    prometheus: { url: "${prom.url}", timeoutMs: 3000 }\n    selector: { job: etcd }\n    nodeExporter: { selector: { job: node } }\n    slack: { channels: [${channelOf(c)}] }\n`).join('')}`);
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

const parents = (channel: string): StoredMessage[] => slack.history(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
/** A warning's parent is keyed `watch.<warning id>`; its replies `watch.<warning id>.reply.<n>`. */
const isWatchParent = (args: Record<string, unknown>): boolean => /^watch\.[^.]+$/.test(metadataKeyOf(args) ?? '');
const isWatchReply = (args: Record<string, unknown>): boolean => /^watch\..*\.reply\.\d+$/.test(metadataKeyOf(args) ?? '');

describe('the watch across worker processes', () => {
  it('workers killed between Slack accepting a parent, then a reply, and recording it; then two workers: one thread per cluster, each reply once, one job per tick', async () => {
    const env = botEnv(redis.url, slack, 'unused-signing-secret', 'unused-token');
    /** Starts a worker and kills it (SIGKILL) once Slack has accepted the first message `which` picks. */
    const killOnFirst = async (what: string, which: (args: Record<string, unknown>) => boolean): Promise<{ worker: BotProcess; channel: string; key: string }> => {
      let victim: BotProcess | undefined;
      let killed: { channel: string; key: string } | undefined;
      const unhook = slack.beforeAnswer('chat.postMessage', async ({ args }) => {
        if (killed !== undefined || victim === undefined || !which(args)) return;
        killed = { channel: String(args['channel']), key: metadataKeyOf(args)! };
        await victim.kill();
      });
      victim = await startBotProcess('worker', configFile, env);
      workers.push(victim);
      await waitFor(`the kill after ${what}`, () => killed !== undefined, 120_000, 100).catch((err: Error) => {
        throw new Error(`${err.message}\n--- worker log ---\n${victim!.log().slice(-4000)}`);
      });
      unhook();
      return { worker: victim, ...killed! };
    };
    const killedOn = (await killOnFirst('a parent', isWatchParent)).channel;
    // Slack has the parent; the worker that posted it is gone without recording it.
    expect(parents(killedOn)).toHaveLength(1);
    // The next worker adopts that parent; it is killed in turn right after Slack accepts that thread's
    // first reply, before it can count it. (It may open and answer the other clusters' threads first.)
    const killedReply = await killOnFirst('a reply in the adopted thread', (args) => isWatchReply(args) && args['channel'] === killedOn);
    expect(killedReply.worker.log()).toMatch(/adopting it/);
    workers.push(await startBotProcess('worker', configFile, env), await startBotProcess('worker', configFile, env));

    const complete = (c: string): boolean => {
      const ps = parents(channelOf(c));
      return ps.length > 0 && slack.threadReplies(channelOf(c), ps[0]!.ts).length > 0;
    };
    await waitFor('a complete thread per cluster', () => CLUSTERS.every(complete), 150_000, 250);
    // A few more ticks with both workers running.
    const redisConn = new Redis(redis.url, { maxRetriesPerRequest: null });
    try {
      const store = new WatchStore(redisConn, 'etcd-triage');
      const ticks = await Promise.all(CLUSTERS.map(async (c) => (await store.state(c)).lastTick));
      await waitFor('three more ticks', async () => (await Promise.all(CLUSTERS.map((c) => store.state(c)))).every((s, i) => s.lastTick >= ticks[i]! + 15_000), 60_000, 250);

      for (const c of CLUSTERS) {
        const ps = parents(channelOf(c));
        expect(ps, c).toHaveLength(1);
        expect(ps[0]!.text).toMatch(/^👀 w-\d — .* on etcd-2 since \d\d:\d\d UTC — no alert has fired yet$/);
        const details = slack.threadReplies(channelOf(c), ps[0]!.ts).filter((r) => r.text.includes('etcd-2'));
        expect(details.length, c).toBeGreaterThanOrEqual(1);
        // The adopted parent was brought up to date by an edit, never posted again.
        expect(slack.okCallsOf('chat.postMessage').filter((x) => x.args['channel'] === channelOf(c) && isWatchParent(x.args)), c).toHaveLength(1);
        // Every reply once, the one whose poster died before counting it included.
        const replyKeys = slack.okCallsOf('chat.postMessage').filter((x) => x.args['channel'] === channelOf(c) && isWatchReply(x.args)).map((x) => metadataKeyOf(x.args));
        expect(new Set(replyKeys).size, c).toBe(replyKeys.length);
        if (killedReply.channel === channelOf(c)) expect(replyKeys.filter((k) => k === killedReply.key), c).toHaveLength(1);
        const state = await store.state(c);
        expect(state.phase, c).toBe('open');
        const evals = await store.evaluations(c);
        expect(new Set(evals.map((e) => e.at)).size, c).toBe(evals.length);
      }
      // One evaluation job per cluster and tick, whichever worker ran it.
      const queue = new Queue(WATCH_QUEUE, { connection: redisConn, prefix: 'etcd-triage' });
      const done = await queue.getJobs(['completed'], 0, -1);
      expect(done.length).toBeGreaterThanOrEqual(CLUSTERS.length * 3);
      for (const c of CLUSTERS) {
        // Each job names its tick (`repeat:watch-<cluster>:<millis>`): no tick of a cluster ran as two jobs.
        const ticks = done.filter((j) => j.data['cluster'] === c).map((j) => evaluationTick(j)).sort((a, b) => a - b);
        expect(new Set(ticks).size, c).toBe(ticks.length);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!, c).toBeGreaterThanOrEqual(5000);
      }
      await queue.close();
    } finally {
      redisConn.disconnect();
    }
  }, 330_000);
});
