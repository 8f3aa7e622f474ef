import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { startServices, type RunningServices } from '../../../src/cli/run/services.js';
import { readEnv } from '../../../src/config/env.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { listScenarios, loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';
import { metricValue } from '../../support/metrics-text.js';
import { startAlertmanager, type RunningAlertmanager, type TestAlert } from '../../support/alertmanager.js';

/**
 * Alert auto-triage end to end: a real Alertmanager posting its real webhooks to the bot, a real Redis
 * (with an append-only file, so it can be stopped and started again like a production Redis), a real
 * Prometheus, and the Slack stand-in.
 */
const TOKEN = 'am-webhook-token';
const LAB = 'C0LAB';
const STORM_CHANNELS = ['C0STORMA', 'C0STORMB', 'C0STORMC'];
const OUTAGE_CHANNELS = ['C0OUTAGED', 'C0OUTAGEE'];

let redisPort: number;
let redisDir: string;
let redis: RunningProcess;
let prom: { url: string; job: string; member: string; scenario: boolean; stop(): Promise<void> };
let slack: SlackStandin;
let bot: RunningServices;
let am: RunningAlertmanager;
let botPort: number;
const prefix = `at${Date.now()}`;
let playbooks: ReturnType<typeof loadPlaybooks>;

async function startRedisWithAof(): Promise<RunningProcess> {
  return startProcess({
    name: 'redis',
    command: 'redis-server',
    args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir],
    port: redisPort,
  });
}

/** The recorded slow-disk incident when it is there; else a bare Prometheus with no data at all. */
async function startPrometheus(): Promise<typeof prom> {
  if (listScenarios().includes('disk-slow-follower')) {
    const load: (name: string, o?: { endAt?: number }) => Promise<LoadedScenario> = loadScenario;
    const s = await load('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) });
    return { url: s.url, job: s.meta.prometheus.etcdJob, member: s.meta.fault.member ?? s.meta.members[0]!.name, scenario: true, stop: () => s.stop() };
  }
  const dir = tempDir('prom-bare');
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\nscrape_configs: []\n');
  const port = await freePort();
  const p = await startProcess({
    name: 'prometheus-bare',
    command: 'prometheus',
    args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    port,
    ready: async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok,
  });
  return { url: `http://127.0.0.1:${port}`, job: 'etcd', member: '127.0.0.1:2379', scenario: false, stop: () => p.stop() };
}

function config(): string {
  const storm = STORM_CHANNELS.map(
    (ch, i) => `  storm-${i}:\n    prometheus: { url: "${prom.url}", timeoutMs: 2000 }\n    selector: { job: etcd-storm-${i} }\n    alerts: { channel: ${ch} }\n`,
  ).join('');
  const outage = OUTAGE_CHANNELS.map(
    (ch, i) => `  outage-${i}:\n    prometheus: { url: "${prom.url}", timeoutMs: 2000 }\n    selector: { job: etcd-outage-${i} }\n    alerts: { channel: ${ch} }\n`,
  ).join('');
  return `
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  maxBodyBytes: 65536
  fallbackChannel: C0FALLBACK
clusters:
  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 2000 }
    selector: { job: ${prom.job} }
    slack: { channels: ["${LAB}"] }
${storm}${outage}`;
}

async function startBot(): Promise<RunningServices> {
  return startServices('start', {
    config: parseConfigText(config(), 'alerts-test.yaml', {}),
    playbooks,
    env: readEnv({
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: 'unused-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      LOG_LEVEL: 'silent',
    }),
    secrets: { AM_TOKEN: TOKEN },
    host: '127.0.0.1',
    port: botPort,
    prefix,
    logger: createLogger('silent'),
  });
}

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = tempDir('redis-aof');
  botPort = await freePort();
  // Loaded once: a restarted bot in these tests runs the same playbooks as the first.
  playbooks = loadPlaybooks();
  [redis, prom, slack] = await Promise.all([startRedisWithAof(), startPrometheus(), SlackStandin.start()]);
  bot = await startBot();
  am = await startAlertmanager({
    webhookUrl: `http://127.0.0.1:${botPort}/alertmanager`,
    token: TOKEN,
    groupWait: '1s',
    groupInterval: '1s',
    repeatInterval: '3s',
  });
}, 120_000);

afterAll(async () => {
  await am?.stop();
  await bot?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

const parentsIn = (ch: string): StoredMessage[] => slack.history(ch);
const parentOf = (ch: string, alertname: string): StoredMessage[] => parentsIn(ch).filter((m) => m.text.includes(alertname));
const received = async (): Promise<number> => {
  const m = await bot.metrics.alertsReceived.get();
  return m.values.reduce((a, v) => a + v.value, 0);
};
const intakeJobs = async (): Promise<number> => {
  const c = await bot.alertIntake!.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  return Object.values(c).reduce((a, b) => a + b, 0);
};

/** Per channel: the start times of successful top-level and threaded posts, in order. */
function postTimes(ch: string): number[] {
  return slack.okCallsOf('chat.postMessage').filter((c) => c.args['channel'] === ch).map((c) => c.at).sort((a, b) => a - b);
}
function minGap(times: number[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) min = Math.min(min, times[i]! - times[i - 1]!);
  return min;
}

describe('Alertmanager → one Slack thread per group, triaged', () => {
  const fsync: TestAlert = {
    labels: { alertname: 'etcdHighFsyncDurations', job: '', instance: '', severity: 'warning' },
    annotations: { summary: 'etcd cluster 99th percentile fsync durations are too high.' },
  };

  it('fire → exactly one parent and one triage reply in its thread, naming the alert\'s member', async () => {
    fsync.labels['job'] = prom.job;
    fsync.labels['instance'] = prom.member;
    fsync.startsAt = new Date().toISOString();
    await am.push([fsync]);
    await waitFor('the triage reply', () => {
      const p = parentOf(LAB, 'etcdHighFsyncDurations')[0];
      return p !== undefined && slack.threadReplies(LAB, p.ts).length >= 1;
    }, 30_000);
    const parents = parentOf(LAB, 'etcdHighFsyncDurations');
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    expect(parent.text).toMatch(/FIRING/);
    expect(parent.text).toContain(prom.member);
    expect(parent.text).toMatch(/severity warning/);
    const replies = slack.threadReplies(LAB, parent.ts);
    expect(replies).toHaveLength(1);
    const triage = `${replies[0]!.text}\n${JSON.stringify(replies[0]!.blocks)}`;
    expect(triage).toMatch(/Triage of etcdHighFsyncDurations/);
    expect(triage).toContain(prom.member);
    if (prom.scenario) expect(triage).toMatch(/Slow disk/);
    else expect(triage).toMatch(/Missing evidence|Could not diagnose/);
    // The parent was edited once the verdict was known (in place, not a second message).
    await waitFor('parent shows the triage', () => /Triage/.test(JSON.stringify(slack.message(LAB, parent.ts)!.blocks)), 10_000);
  });

  it('the same alerts re-sent by Alertmanager (repeat_interval) add nothing', async () => {
    const posts = slack.okCallsOf('chat.postMessage').length;
    const edits = slack.okCallsOf('chat.update').length;
    const before = await received();
    await waitFor('a repeat notification', async () => (await received()) >= before + 2, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(slack.okCallsOf('chat.postMessage').length).toBe(posts);
    expect(slack.okCallsOf('chat.update').length).toBe(edits);
  });

  it('resolve → the parent is edited, not posted again, and the thread gets a closing reply', async () => {
    const parent = parentOf(LAB, 'etcdHighFsyncDurations')[0]!;
    const topLevel = parentsIn(LAB).length;
    await am.resolve([fsync]);
    await waitFor('parent edited to resolved', () => /RESOLVED/.test(slack.message(LAB, parent.ts)!.text), 20_000);
    expect(parentsIn(LAB).length).toBe(topLevel);
    expect(slack.message(LAB, parent.ts)!.text).toMatch(/lasted \d+/);
    await waitFor('closing reply', () => slack.threadReplies(LAB, parent.ts).some((r) => /Resolved after/.test(r.text)), 10_000);
    expect(slack.threadReplies(LAB, parent.ts)).toHaveLength(2);
    // The group's history is kept for handoffs: what fired, the verdict, when it ended.
    const recent = await bot.alerts!.store.recent(Date.now() - 600_000);
    const mine = recent.find((r) => r.group.groupLabels['alertname'] === 'etcdHighFsyncDurations')!;
    expect(mine.events.map((e) => e.kind)).toEqual(['fired', 'triaged', 'resolved']);
    expect(mine.events[0]!.members).toEqual([prom.member]);
    expect(mine.events[1]!.verdict?.headline).toBeTruthy();
  });

  it('a group firing again soon after resolving reopens its thread', async () => {
    const parent = parentOf(LAB, 'etcdHighFsyncDurations')[0]!;
    const topLevel = parentsIn(LAB).length;
    fsync.startsAt = new Date().toISOString();
    await am.push([{ labels: fsync.labels, startsAt: fsync.startsAt }]);
    await waitFor('reopened', () => /FIRING/.test(slack.message(LAB, parent.ts)!.text), 20_000);
    expect(parentsIn(LAB).length).toBe(topLevel);
    await waitFor('firing-again reply', () => slack.threadReplies(LAB, parent.ts).some((r) => /Firing again/.test(r.text)), 10_000);
    await am.resolve([fsync]);
  });

  it('Slack answers 429: the channel waits Retry-After, then the thread is delivered in full', async () => {
    slack.failNext('chat.postMessage', 1, { kind: 'rate-limited', retryAfter: 2 }, (a) => a['channel'] === LAB);
    await am.push([{ labels: { alertname: 'etcdHighCommitDurations', job: prom.job, instance: prom.member, severity: 'warning' } }]);
    await waitFor('thread with triage', () => {
      const p = parentOf(LAB, 'etcdHighCommitDurations')[0];
      return p !== undefined && slack.threadReplies(LAB, p.ts).length >= 1;
    }, 30_000);
    expect(parentOf(LAB, 'etcdHighCommitDurations')).toHaveLength(1);
    const limited = slack.callsOf('chat.postMessage').find((c) => c.status === 429)!;
    const nextOk = slack.okCallsOf('chat.postMessage').find((c) => c.args['channel'] === LAB && c.at > limited.at)!;
    expect(nextOk.at - limited.at).toBeGreaterThanOrEqual(1900);
    const errors = (await bot.metrics.slackApiErrors.get()).values.find((v) => v.labels['method'] === 'chat.postMessage');
    expect(errors?.labels['error']).toMatch(/rate_?limited/);
    await am.resolve([{ labels: { alertname: 'etcdHighCommitDurations', job: prom.job, instance: prom.member, severity: 'warning' } }]);
  });

  it('alerts that match no cluster go to the fallback channel, untriaged, and are counted', async () => {
    await am.push([{ labels: { alertname: 'etcdHighFsyncDurations', job: 'etcd-unknown', instance: '10.9.9.9:2379', severity: 'warning' } }]);
    await waitFor('fallback thread', () => parentsIn('C0FALLBACK').length === 1, 20_000);
    const p = parentsIn('C0FALLBACK')[0]!;
    expect(JSON.stringify(p.blocks)).toMatch(/match no cluster/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(slack.threadReplies('C0FALLBACK', p.ts)).toHaveLength(0);
    const unmatched = (await bot.metrics.alertsUnmatched.get()).values.find((v) => v.labels['action'] === 'fallback');
    expect(unmatched?.value ?? 0).toBeGreaterThanOrEqual(1);
  });

  it('wrong token → 401; oversized body → 413; malformed JSON or schema → 400 with the reason; none enqueued', async () => {
    const url = `http://127.0.0.1:${botPort}/alertmanager`;
    const before = await intakeJobs();
    const good = { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ version: '4', groupKey: 'g', status: 'firing', receiver: 'r', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts: [] });

    const wrong = await fetch(url, { method: 'POST', headers: { ...good, Authorization: 'Bearer nope' }, body });
    expect(wrong.status).toBe(401);
    const none = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(none.status).toBe(401);
    const basic = await fetch(url, { method: 'POST', headers: { ...good, Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, body });
    expect(basic.status).toBe(401);

    const big = await fetch(url, { method: 'POST', headers: good, body: 'x'.repeat(200_000) });
    expect(big.status).toBe(413);

    const bad = await fetch(url, { method: 'POST', headers: good, body: '{"version": "4", ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not JSON/);

    const schema = await fetch(url, { method: 'POST', headers: good, body });
    expect(schema.status).toBe(400);
    expect(((await schema.json()) as { error: string }).error).toMatch(/alerts: a notification carries at least one alert/);
    const noKey = await fetch(url, { method: 'POST', headers: good, body: JSON.stringify({ version: '4', status: 'firing' }) });
    expect(noKey.status).toBe(400);
    expect(((await noKey.json()) as { error: string }).error).toMatch(/groupKey/);

    expect(await intakeJobs()).toBe(before);
    const metrics = await (await fetch(`http://127.0.0.1:${botPort}/metrics`)).text();
    expect(metricValue(metrics, 'etcd_triage_webhook_rejected_total{reason="unauthorized"}')).toBe(3);
    expect(metricValue(metrics, 'etcd_triage_webhook_rejected_total{reason="too_large"}')).toBe(1);
  });

  it('storm: 300 alerts across 30 groups → 30 threads, nothing dropped, no channel above 1 message/s', async () => {
    const names = [
      'etcdHighFsyncDurations', 'etcdHighCommitDurations', 'etcdMemberCommunicationSlow', 'etcdGRPCRequestsSlow', 'etcdNoLeader',
      'etcdHighNumberOfLeaderChanges', 'etcdHighNumberOfFailedProposals', 'etcdDatabaseQuotaLowSpace', 'etcdExcessiveDatabaseGrowth', 'etcdMembersDown',
    ];
    const alerts: TestAlert[] = [];
    for (let c = 0; c < STORM_CHANNELS.length; c++) {
      for (const alertname of names) {
        for (let m = 0; m < 10; m++) {
          alerts.push({ labels: { alertname, job: `etcd-storm-${c}`, instance: `10.0.${c}.${m}:2379`, severity: m % 3 === 0 ? 'critical' : 'warning' } });
        }
      }
    }
    expect(alerts).toHaveLength(300);
    const collectionsBefore = bot.alerts!.evidence.collections;
    await am.push(alerts);
    await waitFor('30 threads, each with its triage', () =>
      STORM_CHANNELS.every((ch) => {
        const ps = parentsIn(ch);
        return ps.length === 10 && ps.every((p) => /10 firing/.test(p.text) && slack.threadReplies(ch, p.ts).length >= 1);
      }), 90_000, 250);
    for (const ch of STORM_CHANNELS) {
      const ps = parentsIn(ch);
      expect(new Set(ps.map((p) => names.find((n) => p.text.includes(` ${n} `)))).size).toBe(10);
      for (const p of ps) {
        const members = (JSON.stringify(p.blocks).match(/10\.0\.\d\.\d:2379/g) ?? []).length;
        expect(members).toBeGreaterThan(0);
        expect(slack.threadReplies(ch, p.ts).filter((r) => /Triage/.test(r.text))).toHaveLength(1);
      }
      // The pacer spaces posts by 1050 ms on Redis' clock; the stand-in stamps arrivals, which jitter.
      expect(minGap(postTimes(ch))).toBeGreaterThanOrEqual(950);
    }
    // Groups of one cluster arriving together shared evidence collections.
    expect(bot.alerts!.evidence.collections - collectionsBefore).toBeLessThanOrEqual(STORM_CHANNELS.length * 2);
    const metrics = await (await fetch(`http://127.0.0.1:${botPort}/metrics`)).text();
    // At least this storm's 30 threads and 30 verdicts (earlier tests add theirs).
    expect(metricValue(metrics, 'etcd_triage_alert_threads_created_total')).toBeGreaterThanOrEqual(30);
    expect(metricValue(metrics, 'etcd_triage_alert_groups_open')).toBeGreaterThanOrEqual(30);
    expect(metricValue(metrics, 'etcd_triage_alert_to_verdict_seconds_count')).toBeGreaterThanOrEqual(30);
  }, 120_000);

  it('Redis stopped in the middle of a storm and started again → every alert still ends up in its thread', async () => {
    const names = ['etcdHighFsyncDurations', 'etcdNoLeader', 'etcdGRPCRequestsSlow', 'etcdHighCommitDurations', 'etcdMembersDown'];
    const make = (c: number, from: number, to: number): TestAlert[] =>
      names.flatMap((alertname) =>
        Array.from({ length: to - from }, (_, k) => ({ labels: { alertname, job: `etcd-outage-${c}`, instance: `10.1.${c}.${from + k}:2379`, severity: 'warning' } })),
      );
    await am.push([...make(0, 0, 4), ...make(1, 0, 4)]);
    await waitFor('first threads', () => OUTAGE_CHANNELS.some((ch) => parentsIn(ch).length > 0), 20_000);
    await redis.stop();
    await am.push([...make(0, 4, 8), ...make(1, 4, 8)]);
    // Alertmanager now gets 503s and retries.
    await new Promise((r) => setTimeout(r, 3000));
    const refused = (await bot.metrics.webhookRejected.get()).values.find((v) => v.labels['reason'] === 'redis_unavailable');
    expect(refused?.value ?? 0).toBeGreaterThan(0);
    redis = await startRedisWithAof();
    await waitFor('every alert in its thread', () =>
      OUTAGE_CHANNELS.every((ch) => {
        const ps = parentsIn(ch);
        return ps.length === names.length && ps.every((p) => /8 firing/.test(p.text) && slack.threadReplies(ch, p.ts).some((r) => /Triage/.test(r.text)));
      }), 90_000, 250);
    for (const ch of OUTAGE_CHANNELS) {
      for (const p of parentsIn(ch)) {
        const replies = slack.threadReplies(ch, p.ts);
        expect(replies.filter((r) => /Triage/.test(r.text)).length).toBeGreaterThanOrEqual(1);
      }
      // The pacer spaces posts by 1050 ms on Redis' clock; the stand-in stamps arrivals, which jitter.
      expect(minGap(postTimes(ch))).toBeGreaterThanOrEqual(950);
    }
  }, 150_000);

  it('the bot restarted mid-incident → no duplicate parent; the change lands in the same thread', async () => {
    const a1: TestAlert = { labels: { alertname: 'etcdNoLeader', job: prom.job, instance: prom.member, severity: 'critical' } };
    await am.push([a1]);
    await waitFor('parent', () => parentOf(LAB, 'etcdNoLeader').length === 1, 20_000);
    const parent = parentOf(LAB, 'etcdNoLeader')[0]!;
    await bot.stop();
    await am.push([{ labels: { ...a1.labels, instance: '127.0.0.9:2379' } }]);
    await new Promise((r) => setTimeout(r, 2500));
    bot = await startBot();
    await waitFor('change reply in the same thread', () => slack.threadReplies(LAB, parent.ts).some((r) => /Now firing/.test(JSON.stringify(r.blocks))), 30_000);
    expect(parentOf(LAB, 'etcdNoLeader')).toHaveLength(1);
    expect(slack.message(LAB, parent.ts)!.text).toContain('127.0.0.9:2379');
  }, 60_000);
});
