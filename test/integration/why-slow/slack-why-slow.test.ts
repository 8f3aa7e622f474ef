import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { startServices, type RunningServices } from '../../../src/cli/run/services.js';
import { readEnv } from '../../../src/config/env.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { sendSlashCommand } from '../../support/slack-sign.js';
import { startRedis } from '../../support/redis.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';

/**
 * The walking skeleton end to end: a signed /etcd why-slow into the real Bolt receiver, a real Redis
 * and BullMQ, a real Prometheus serving a recorded slow-disk incident, and the Slack stand-in.
 */
const SECRET = 'test-signing-secret';
const CHANNEL = 'C0ONCALL';

let redis: RunningProcess & { url: string };
let prom: LoadedScenario;
let slack: SlackStandin;
let bot: RunningServices;
let commandsUrl: string;
let enqueued = 0;

beforeAll(async () => {
  [redis, prom, slack] = await Promise.all([
    startRedis(),
    // Shifted so the recording ends now: a slash command always looks at "the last N minutes".
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  const config = parseConfigText(
    `
clusters:
  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 2000 }
    selector: { job: etcd }
    slack: { channels: ["${CHANNEL}", "#etcd-lab"] }
  other:
    prometheus: { url: "${prom.url}" }
    selector: { job: other }
    slack: { channels: [C0ELSEWHERE] }
jobs: { dedupeSeconds: 30, attempts: 2, concurrency: 2 }
`,
    'test.yaml',
    {},
  );
  bot = await startServices('start', {
    config,
    playbooks: loadPlaybooks(),
    env: readEnv({
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
    }),
    host: '127.0.0.1',
    port: 0,
    prefix: `t${Date.now()}`,
    logger: createLogger('silent'),
  });
  commandsUrl = `${bot.url}/slack/commands`;
  bot.queue!.queue.on('waiting', () => enqueued++);
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

const parents = (): StoredMessage[] => slack.history(CHANNEL);
const replies = (): StoredMessage[] => parents().flatMap((p) => slack.threadReplies(CHANNEL, p.ts));
const ackText = (json: unknown): string => (json as { text?: string } | undefined)?.text ?? '';
const jobCounts = async (): Promise<number> => {
  const c = await bot.queue!.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  return Object.values(c).reduce((a, b) => a + b, 0);
};

describe('/etcd why-slow from Slack', () => {
  it('acks at once, then posts a parent verdict naming the slow member and a thread with its fsync p99', async () => {
    const slow = prom.meta.fault.member!;
    const res = await sendSlashCommand(commandsUrl, SECRET, { text: 'why-slow lab 5m', channel_id: CHANNEL, response_url: slack.responseUrl('c1') });
    expect(res.status).toBe(200);
    expect(ackText(res.json)).toContain('Investigating *lab* over the last 5m');

    const reply = await slack.waitForCall((c) => c.method === 'chat.postMessage' && typeof c.args.thread_ts === 'string', 30_000);
    const parent = slack.message(CHANNEL, String(reply.args.thread_ts))!;
    expect(parent).toBeDefined();
    // The parent was edited in place: queued → collecting → verdict.
    expect(parent.history[0]).toMatch(/queued/);
    expect(parent.history.some((t) => /collecting evidence/.test(t))).toBe(true);
    expect(parent.text).toMatch(new RegExp(`Slow disk on ${slow}`));
    const updates = slack.updatesOf(CHANNEL, parent.ts);
    expect(updates.length).toBeGreaterThanOrEqual(2);

    const thread = slack.threadReplies(CHANNEL, parent.ts);
    expect(thread).toHaveLength(1);
    const details = JSON.stringify(thread[0]!.blocks);
    expect(details).toMatch(new RegExp(`WAL fsync p99: \\*?${slow}\\*? ?\\*?(≥ )?\\d+(\\.\\d+)? (ms|s)`));
    expect(details).toContain('ionice -c2 -n0');
    // The other members are shown as healthy for contrast.
    for (const m of prom.meta.members.map((x) => x.name).filter((n) => n !== slow)) expect(details).toContain(m);
  });

  it('two identical requests within seconds share one job and one thread', async () => {
    const before = parents().length;
    const countBefore = await jobCounts();
    const [a, b] = await Promise.all([
      sendSlashCommand(commandsUrl, SECRET, { text: 'why-slow lab 10m', channel_id: CHANNEL }),
      sendSlashCommand(commandsUrl, SECRET, { text: 'why-slow lab 10m', channel_id: CHANNEL }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(`${ackText(a.json)} ${ackText(b.json)}`).toMatch(/already running/);
    expect((await jobCounts()) - countBefore).toBe(1);
    await waitFor('one new thread', () => replies().length >= 2, 30_000);
    expect(parents().length - before).toBe(1);
  });

  it('a bad signature gets 401 and nothing is queued', async () => {
    const before = await jobCounts();
    const res = await sendSlashCommand(commandsUrl, SECRET, { text: 'why-slow lab 15m', channel_id: CHANNEL }, { signature: 'bad' });
    expect(res.status).toBe(401);
    const old = await sendSlashCommand(commandsUrl, SECRET, { text: 'why-slow lab 15m', channel_id: CHANNEL }, { ageSeconds: 600 });
    expect(old.status).toBe(401);
    expect(await jobCounts()).toBe(before);
  });

  it.each([
    ['why-slow nosuch 15m', CHANNEL, /unknown cluster.*nosuch/i, /lab/],
    ['why-slow other 15m', CHANNEL, /Cluster \*other\* cannot be queried from this channel/, /This channel may query: `lab`/],
    ['why-slow lab 15x', CHANNEL, /"15x" is not a window/, /lab/],
    ['why-slow lab 48h', CHANNEL, /out of range: allowed 1m to 24h/, /lab/],
  ])('"%s" gets a specific ephemeral answer and nothing is queued', async (text, channel, problem, lists) => {
    const before = await jobCounts();
    const res = await sendSlashCommand(commandsUrl, SECRET, { text, channel_id: channel });
    expect(res.status).toBe(200);
    expect((res.json as { response_type?: string }).response_type).toBe('ephemeral');
    expect(ackText(res.json)).toMatch(problem);
    expect(ackText(res.json)).toMatch(lists);
    expect(await jobCounts()).toBe(before);
  });

  it('GET /healthz, /readyz and /metrics answer', async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    // A job completes once its charts have followed the text into the thread: wait for that.
    const completed = /etcd_triage_jobs_total\{queue="diagnose",outcome="completed"\} [1-9]/;
    await waitFor('a completed diagnose job', async () => completed.test(await (await fetch(`${bot.url}/metrics`)).text()), 30_000);
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toMatch(/etcd_triage_commands_received_total\{command="why-slow",outcome="enqueued"\} [1-9]/);
    expect(metrics).toMatch(/etcd_triage_jobs_total\{queue="diagnose",outcome="completed"\} [1-9]/);
    expect(metrics).toMatch(/etcd_triage_diagnosis_duration_seconds_count\{cluster="lab"\} [1-9]/);
    expect(metrics).toContain('etcd_triage_process_cpu_seconds_total');
  });

  it('with Prometheus stopped, the thread says which evidence is missing and the job still finishes', async () => {
    await prom.stop();
    const threadsBefore = replies().length;
    const res = await sendSlashCommand(commandsUrl, SECRET, { text: 'why-slow lab 2m', channel_id: CHANNEL });
    expect(res.status).toBe(200);
    await waitFor(
      'a thread reply after the retries',
      () => replies().length > threadsBefore,
      30_000,
    );
    const reply = parents()
      .map((p) => slack.threadReplies(CHANNEL, p.ts))
      .find((r) => r.length > 0)![0]!;
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('Missing evidence');
    expect(text).toMatch(/disk\/wal_fsync_p99: query failed \(unreachable\)/);
    const parent = slack.message(CHANNEL, reply.thread_ts!)!;
    expect(parent.text).toMatch(/Could not diagnose lab/);
    expect(parent.history.some((t) => /retrying/.test(t))).toBe(true);
  });
});
