/**
 * Alert received → triage verdict posted: from sending an Alertmanager notification to the bot until
 * the stand-in Slack records the triage reply in that group's thread.
 *
 *   npx tsx test/bench/alert-triage.ts [groups, default 40]
 *
 * The whole bot (`start`: webhook, Redis/BullMQ intake, triage, paced delivery) runs in this process
 * with a real redis-server and a real Prometheus: the recorded disk-slow-follower incident when
 * test/fixtures has it, else a bare Prometheus with no data (the triage then reports missing evidence;
 * the query round trips are real either way). Notifications go straight to the webhook, so Alertmanager's
 * group_wait is not part of the number.
 *
 * Runs: a steady trickle (one new group every 250 ms, spread over 8 channels), and a burst (10 groups of
 * one cluster at once, one channel) where Slack's 1 message/s per channel sets the pace.
 */
import './own-tmpdir.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { readEnv } from '../../src/config/env.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { startServices } from '../../src/cli/run/services.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { listScenarios, loadScenario, type LoadedScenario } from '../support/fixture-prometheus.js';
import { freePort, startProcess, tempDir } from '../support/processes.js';
import { startRedis } from '../support/redis.js';
import { SlackStandin } from '../support/slack-standin.js';
import { reportBench } from './bench-result.js';

const TOKEN = 'bench-token';
const CHANNELS = Array.from({ length: 8 }, (_, i) => `C0BENCH${i}`);

async function prometheus(): Promise<{ url: string; job: string; member: string; what: string; stop(): Promise<void> }> {
  if (listScenarios().includes('disk-slow-follower')) {
    const load: (name: string, o?: { endAt?: number }) => Promise<LoadedScenario> = loadScenario;
    const s = await load('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) });
    return { url: s.url, job: s.meta.prometheus.etcdJob, member: s.meta.fault.member ?? '', what: 'recorded disk-slow-follower', stop: () => s.stop() };
  }
  const dir = tempDir('prom-bench');
  writeFileSync(join(dir, 'p.yml'), 'global: {}\nscrape_configs: []\n');
  const port = await freePort();
  const p = await startProcess({
    name: 'prometheus-bench',
    command: 'prometheus',
    args: [`--config.file=${join(dir, 'p.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    port,
    ready: async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok,
  });
  return { url: `http://127.0.0.1:${port}`, job: 'etcd', member: '127.0.0.1:2379', what: 'bare (no data)', stop: () => p.stop() };
}

const pct = (s: number[], p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;

async function main(groups: number): Promise<void> {
  const [redis, prom, slack] = await Promise.all([startRedis(), prometheus(), SlackStandin.start()]);
  const clusters = CHANNELS.map(
    (ch, i) => `  c${i}:\n    prometheus: { url: "${prom.url}", timeoutMs: 2000 }\n    selector: { job: ${i === 0 ? prom.job : `etcd-${i}`} }\n    alerts: { channel: ${ch} }\n`,
  ).join('');
  const config = parseConfigText(`alertmanager:\n  auth: { tokenEnv: T }\n  fallbackChannel: C0FALLBACK\nclusters:\n${clusters}`, 'bench.yaml', {});
  const bot = await startServices('start', {
    config,
    playbooks: loadPlaybooks(),
    env: readEnv({ SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LOG_LEVEL: 'silent' }),
    secrets: { T: TOKEN },
    host: '127.0.0.1',
    port: 0,
    prefix: `tb${Date.now()}`,
    logger: createLogger('silent'),
  });
  const url = `${bot.url}/alertmanager`;
  let seq = 0;
  const fire = async (cluster: number): Promise<{ sentAt: number; channel: string }> => {
    const n = seq++;
    const job = cluster === 0 ? prom.job : `etcd-${cluster}`;
    const instance = cluster === 0 ? prom.member : `10.9.${cluster}.1:2379`;
    const alertname = 'etcdHighFsyncDurations';
    const key = `bench${n}`;
    const body = {
      version: '4',
      groupKey: `{}:{alertname="${alertname}", job="${job}", run="${key}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'etcd-triage',
      groupLabels: { alertname, job, run: key },
      commonLabels: { alertname, job, instance, severity: 'warning', run: key },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [{ status: 'firing', labels: { alertname, job, instance, severity: 'warning', run: key }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: n.toString(16).padStart(16, '0') }],
    };
    const sentAt = Date.now();
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    return { sentAt, channel: CHANNELS[cluster]! };
  };
  console.log(`alert → triage verdict posted; Prometheus: ${prom.what}; ${groups} groups`);
  // Warm-up: one group, not measured.
  await fire(1);
  await new Promise((r) => setTimeout(r, 3000));

  const steady: number[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < groups; i++) {
    const cluster = i % CHANNELS.length;
    const f = await fire(cluster);
    pending.push(waitVerdict(slack, f.channel, f.sentAt, steady));
    await new Promise((r) => setTimeout(r, 250));
  }
  await Promise.all(pending);
  steady.sort((a, b) => a - b);
  console.log(`steady (1 group / 250 ms, 8 channels)  n=${steady.length}  p50 ${(pct(steady, 50) / 1000).toFixed(2)} s  p99 ${(pct(steady, 99) / 1000).toFixed(2)} s  max ${(steady.at(-1)! / 1000).toFixed(2)} s`);

  await new Promise((r) => setTimeout(r, 3000));
  const burst: number[] = [];
  const fired = await Promise.all(Array.from({ length: 10 }, () => fire(0)));
  await Promise.all(fired.map((f) => waitVerdict(slack, f.channel, f.sentAt, burst)));
  burst.sort((a, b) => a - b);
  // The verdict also shows in the parent (posted with it, or edited to it; edits are not paced).
  const t0 = Math.min(...fired.map((f) => f.sentAt));
  const parentVerdict = slack.calls
    .filter((c) => c.status === 200 && c.args['channel'] === CHANNELS[0] && c.at >= t0 && c.args['thread_ts'] === undefined && /Triage/.test(JSON.stringify(c.args['blocks'] ?? '')))
    .map((c) => ({ ts: String(c.method === 'chat.update' ? c.args['ts'] : c.response['ts']), ms: c.at - t0 }));
  const firstPer = [...new Map(parentVerdict.reverse().map((x) => [x.ts, x.ms])).values()].sort((a, b) => a - b);
  console.log(`burst, verdict in the parent            n=${firstPer.length}  p50 ${(pct(firstPer, 50) / 1000).toFixed(2)} s  p99 ${(pct(firstPer, 99) / 1000).toFixed(2)} s`);
  console.log(`burst (10 groups at once, 1 channel)   n=${burst.length}  p50 ${(pct(burst, 50) / 1000).toFixed(2)} s  p99 ${(pct(burst, 99) / 1000).toFixed(2)} s  (Slack pacing: 20 messages at ≥1.05 s)`);
  console.log(`evidence collections: ${bot.alerts!.evidence.collections} for ${groups + 11} triages`);
  reportBench({
    bench: 'alert-triage',
    what: 'alert received → triage verdict posted, one new group every 250 ms',
    budget: 'p50 ≤ 1.5 s, p99 ≤ 3 s',
    measured: `p50 ${(pct(steady, 50) / 1000).toFixed(2)} s, p99 ${(pct(steady, 99) / 1000).toFixed(2)} s`,
    pass: pct(steady, 50) <= 1500 && pct(steady, 99) <= 3000,
  });
  reportBench({
    bench: 'alert-triage',
    what: '10 groups at once into one channel, triage replies (paced 1 message/s per channel)',
    budget: '',
    measured: `verdict in the parent p50 ${(pct(firstPer, 50) / 1000).toFixed(2)} s; replies p50 ${(pct(burst, 50) / 1000).toFixed(2)} s, p99 ${(pct(burst, 99) / 1000).toFixed(2)} s`,
    pass: null,
  });

  await bot.stop();
  await Promise.all([redis.stop(), prom.stop(), slack.stop()]);
}

/** Each triage reply is claimed by exactly one waiter, in the order the groups were fired per channel. */
const claimed = new Set<string>();
async function waitVerdict(slack: SlackStandin, channel: string, sentAt: number, out: number[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const call = slack
      .okCallsOf('chat.postMessage')
      .find((c) => c.args['channel'] === channel && typeof c.args['thread_ts'] === 'string' && /^Triage/.test(String(c.args['text'])) && c.at >= sentAt && !claimed.has(`${channel}/${String(c.response['ts'])}`));
    if (call !== undefined) {
      claimed.add(`${channel}/${String(call.response['ts'])}`);
      out.push(call.at - sentAt);
      return;
    }
    if (Date.now() > deadline) throw new Error(`no verdict in ${channel}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

await main(Number(process.argv[2] ?? 40));
