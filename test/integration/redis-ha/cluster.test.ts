import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { Queue } from 'bullmq';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { sendSlashCommand } from '../../support/slack-sign.js';
import { startRedisCluster, type RunningRedisCluster } from '../../support/redis.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor } from '../../support/processes.js';
import { botEnv, deliverWebhook, notification, startBotProcess, writeStormConfig, type BotProcess } from '../../support/bot-processes.js';

/**
 * The bot on a Redis Cluster of three masters, as separate processes of the real CLI: two HTTP fronts
 * and two workers sharing the work. Every key of the bot carries the hash tag {etcd-triage}, so BullMQ's
 * scripts and the bot's own transactions and Lua scripts (locks, pacer, group state, timeline) run in
 * one slot; a key outside it would fail with CROSSSLOT and the thread would never be posted.
 */
const SECRET = 'cluster-signing-secret';
const TOKEN = 'cluster-webhook-token';
const LAB = 'C0LAB';
const CHANNELS = ['C0HAA', 'C0HAB', 'C0HAC'];
const NAMES = ['etcdHighFsyncDurations', 'etcdNoLeader', 'etcdGRPCRequestsSlow', 'etcdMembersDown'];

let cluster: RunningRedisCluster;
let prom: LoadedScenario;
let slack: SlackStandin;
let fronts: BotProcess[] = [];
let workers: BotProcess[] = [];

beforeAll(async () => {
  [cluster, prom, slack] = await Promise.all([
    startRedisCluster(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  const configFile = writeStormConfig('ha', CHANNELS, prom.url, `  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 2000 }
    selector: { job: ${prom.meta.prometheus.etcdJob} }
    slack: { channels: ["${LAB}"] }
`);
  const env = botEnv(cluster.url, slack, SECRET, TOKEN);
  // One after another: four tsx start-ups at once on two busy cores take longer than doing them in turn.
  for (let i = 0; i < 2; i++) fronts.push(await startBotProcess('serve', configFile, env));
  for (let i = 0; i < 2; i++) workers.push(await startBotProcess('worker', configFile, env));
}, 240_000);

afterAll(async () => {
  await Promise.all([...fronts, ...workers].map((p) => p.stop()));
  await Promise.all([cluster?.stop(), prom?.stop(), slack?.stop()]);
});

const parents = (ch: string): StoredMessage[] => slack.history(ch);
const triages = (ch: string, p: StoredMessage): StoredMessage[] => slack.threadReplies(ch, p.ts).filter((r) => /Triage/.test(r.text));

describe('Redis Cluster: two fronts, two workers', () => {
  it('both worker processes consume the same queues', async () => {
    const client = new Cluster(cluster.url.replace('redis+cluster://', '').split(',').map((hp) => ({ host: '127.0.0.1', port: Number(hp.split(':')[1]) })));
    const q = new Queue('alert-intake', { connection: client, prefix: '{etcd-triage}' });
    try {
      await waitFor('two workers on alert-intake', async () => (await q.getWorkers()).length >= 2, 20_000, 250);
    } finally {
      await q.close();
      client.disconnect();
    }
  });

  it('a storm through both fronts, each notification sent to both: every group gets one thread and one triage', async () => {
    const sends: Array<Promise<number>> = [];
    CHANNELS.forEach((_, c) => {
      for (const alertname of NAMES) {
        const alerts = Array.from({ length: 3 }, (_, m) => ({ alertname, job: `etcd-ha-${c}`, instance: `10.7.${c}.${m}:2379`, severity: 'warning' }));
        const body = notification(`{}:{alertname="${alertname}",job="etcd-ha-${c}"}`, alerts);
        // Alertmanager in HA pairs can deliver one group to two fronts at the same moment.
        for (const f of fronts) sends.push(deliverWebhook(`${f.url}/alertmanager`, TOKEN, body));
      }
    });
    const attempts = await Promise.all(sends);
    expect(attempts.every((a) => a === 1)).toBe(true);

    await waitFor('every group threaded and triaged', () =>
      CHANNELS.every((ch) => parents(ch).length >= NAMES.length && parents(ch).every((p) => triages(ch, p).length >= 1)), 120_000, 250);
    // Settle: a duplicate would arrive after the first thread, never before.
    await new Promise((r) => setTimeout(r, 3000));
    for (const ch of CHANNELS) {
      const ps = parents(ch);
      expect(ps.map((p) => NAMES.find((n) => p.text.includes(n))).sort()).toEqual([...NAMES].sort());
      for (const p of ps) {
        expect(p.text).toMatch(/3 firing/);
        expect(triages(ch, p)).toHaveLength(1);
      }
    }
  }, 180_000);

  it('/etcd why-slow sent to both fronts at once: one diagnosis, one verdict and its thread', async () => {
    const slow = prom.meta.fault.member!;
    const [a, b] = await Promise.all(
      fronts.map((f, i) => sendSlashCommand(`${f.url}/slack/commands`, SECRET, { text: 'why-slow lab 5m', channel_id: LAB, response_url: slack.responseUrl(`cl${i}`) })),
    );
    expect([a!.status, b!.status]).toEqual([200, 200]);
    const acks = [a!, b!].map((r) => (r.json as { text?: string } | undefined)?.text ?? '');
    expect(acks.filter((t) => /already running/.test(t))).toHaveLength(1);
    await waitFor('verdict thread', () => parents(LAB).some((p) => slack.threadReplies(LAB, p.ts).length >= 1), 60_000, 250);
    const [parent] = parents(LAB);
    expect(parents(LAB)).toHaveLength(1);
    await waitFor('verdict in the parent', () => new RegExp(`Slow disk on ${slow}`).test(slack.message(LAB, parent!.ts)!.text), 20_000);
    expect(JSON.stringify(slack.threadReplies(LAB, parent!.ts)[0]!.blocks)).toContain('ionice -c2 -n0');
    await new Promise((r) => setTimeout(r, 2000));
    expect(parents(LAB)).toHaveLength(1);
    expect(slack.threadReplies(LAB, parent!.ts)).toHaveLength(1);
  }, 90_000);

  it('every key of the bot lies in the one hash slot of {etcd-triage}', async () => {
    const ports = cluster.nodes.map((n) => n.port);
    const client = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const perNode = await Promise.all(client.nodes('master').map((n) => n.keys('*')));
      const all = perNode.flat();
      expect(all.length).toBeGreaterThan(20);
      expect(all.filter((k) => !k.startsWith('{etcd-triage}:'))).toEqual([]);
      expect(perNode.filter((keys) => keys.length > 0)).toHaveLength(1);
    } finally {
      client.disconnect();
    }
  });
});
