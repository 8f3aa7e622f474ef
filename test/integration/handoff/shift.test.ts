import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningServices } from '../../../src/cli/run/services.js';
import { handoffCli } from '../../../src/cli/commands/handoff.js';
import type { HandoffSummary } from '../../../src/handoff/summary.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { readPng } from '../../support/png.js';
import { SMALL_CHART_SIZE } from '../../../src/report/charts/spec.js';
import { sendInteraction, sendSlashCommand } from '../../support/slack-sign.js';
import { startRedis } from '../../support/redis.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { freePort, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';
import { startAlertmanager, type RunningAlertmanager, type TestAlert } from '../../support/alertmanager.js';
import { startTestBot } from '../../support/test-bot.js';

/**
 * A shift played end to end: alerts fire and resolve through a real Alertmanager into the bot, a
 * signed /etcd why-slow runs against a real Prometheus serving a recorded slow-disk incident, a silence
 * is created in Alertmanager; then /etcd handoff posts the summary to the Slack stand-in.
 */
const SECRET = 'handoff-signing-secret';
const AM_TOKEN = 'handoff-am-token';
const LAB = 'C0LAB';
const QUIET = 'C0QUIET';
const MIN = 60_000;

let redis: RunningProcess & { url: string };
let prom: LoadedScenario;
let slack: SlackStandin;
let am: RunningAlertmanager;
let bot: RunningServices;
let commandsUrl: string;
let configFile: string;
const prefix = `ho${Date.now()}`;

// Fixed times: the durations the handoff reports are known to the second.
const t0 = Date.now();
const fsyncStart = new Date(t0 - 45 * MIN).toISOString();
const fsyncEnd = new Date(t0).toISOString();
const leaderStart = new Date(t0 - 10 * MIN).toISOString();

let job: string;
let member: string;
const fsyncAlert = (): TestAlert => ({
  labels: { alertname: 'etcdHighFsyncDurations', job, instance: member, severity: 'warning' },
  annotations: { summary: 'fsync slow' },
  startsAt: fsyncStart,
});
const leaderAlert = (): TestAlert => ({
  labels: { alertname: 'etcdHighNumberOfLeaderChanges', job, instance: member, severity: 'critical' },
  startsAt: leaderStart,
});

beforeAll(async () => {
  const botPort = await freePort();
  [redis, prom, slack] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  job = prom.meta.prometheus.etcdJob;
  member = prom.meta.fault.member ?? prom.meta.members[0]!.name;
  am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${botPort}/alertmanager`, token: AM_TOKEN, groupBy: ['alertname', 'job'] });
  const text = `
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  fallbackChannel: C0FALLBACK
handoff:
  retentionDays: 30
  alertmanagerApiUrl: "${am.url}"
clusters:
  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 3000 }
    selector: { job: ${job} }
    slack: { channels: ["${LAB}"] }
  other:
    prometheus: { url: "${prom.url}", timeoutMs: 3000 }
    selector: { job: other-etcd }
    slack: { channels: [C0OTHER] }
  quiet:
    prometheus: { url: "${prom.url}", timeoutMs: 3000 }
    selector: { job: ${job} }
    alerts: { match: { job: quiet-etcd } }
    slack: { channels: ["${QUIET}"] }
`;
  configFile = join(tempDir('handoff-config'), 'etcd-triage.yaml');
  writeFileSync(configFile, text);
  bot = await startTestBot({
    config: text,
    name: 'handoff-test.yaml',
    slack,
    redisUrl: redis.url,
    signingSecret: SECRET,
    secrets: { AM_TOKEN },
    port: botPort,
    prefix,
  });
  commandsUrl = `${bot.url}/slack/commands`;
}, 180_000);

afterAll(async () => {
  await am?.stop();
  await bot?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

const ackText = (json: unknown): string => (json as { text?: string } | undefined)?.text ?? '';
/** The message's fallback text and every mrkdwn text of its blocks, one per line. */
const blocksText = (m: StoredMessage): string => {
  const texts = (m.blocks ?? []).flatMap((b) => {
    const block = b as { text?: { text?: string }; elements?: Array<{ text?: string }> };
    return [block.text?.text, ...(block.elements ?? []).map((e) => e.text)].filter((t): t is string => t !== undefined);
  });
  return [m.text, ...texts].join('\n');
};
const threadParent = (alertname: string): StoredMessage | undefined => slack.history(LAB).find((m) => m.text.includes(alertname));
const handoffParents = (ch: string): StoredMessage[] => slack.history(ch).filter((m) => m.text.startsWith('Shift handoff'));
const handoffJobs = async (): Promise<number> => {
  const c = await bot.handoffQueue!.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  return Object.values(c).reduce((a, b) => a + b, 0);
};
const timelineKinds = async (cluster: string): Promise<string[]> =>
  (await bot.timeline!.between(cluster, 0, Date.now() + MIN)).events.map((e) => e.kind);

async function postSilence(matchers: Array<{ name: string; value: string }>, endsAt: string, comment: string): Promise<string> {
  const res = await fetch(`${am.url}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: matchers.map((m) => ({ ...m, isRegex: false, isEqual: true })),
      startsAt: new Date().toISOString(),
      endsAt,
      createdBy: 'alice',
      comment,
    }),
  });
  expect(res.ok).toBe(true);
  return ((await res.json()) as { silenceID: string }).silenceID;
}

/** Sends /etcd handoff, waits for the new parent and its thread, and returns them. */
async function handoff(text: string, channel: string): Promise<{ ack: string; parent: StoredMessage; thread: StoredMessage[] }> {
  const before = handoffParents(channel).length;
  const res = await sendSlashCommand(commandsUrl, SECRET, { text, channel_id: channel, user_id: 'U0BOB' });
  expect(res.status).toBe(200);
  await waitFor('handoff parent', () => handoffParents(channel).length > before, 30_000);
  const parent = handoffParents(channel)[0]!;
  await waitFor('handoff thread', () => slack.threadReplies(channel, parent.ts).length > 0, 30_000);
  // Let the last replies of a multi-message thread arrive.
  await new Promise((r) => setTimeout(r, 300));
  return { ack: ackText(res.json), parent, thread: slack.threadReplies(channel, parent.ts) };
}

let firstSummary: HandoffSummary | undefined;

describe('a shift, then /etcd handoff', () => {
  let silenceId: string;
  const silenceEnds = new Date(t0 + 2 * 3600_000).toISOString();

  it('plays the shift: two alert groups, one resolved; a why-slow; a silence', async () => {
    await am.push([fsyncAlert(), leaderAlert()]);
    await waitFor('both threads', () => threadParent('etcdHighFsyncDurations') !== undefined && threadParent('etcdHighNumberOfLeaderChanges') !== undefined, 30_000);
    await waitFor('triage verdicts on the timeline', async () => (await timelineKinds('lab')).filter((k) => k === 'alert-triaged').length >= 2, 30_000);

    // Resolved with an explicit end: the fsync incident lasted exactly 45 minutes.
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ ...fsyncAlert(), endsAt: fsyncEnd, generatorURL: 'http://prometheus.test/graph' }]),
    });
    expect(res.ok).toBe(true);
    await waitFor('fsync resolved on the timeline', async () => (await timelineKinds('lab')).includes('alert-resolved'), 30_000);

    const ws = await sendSlashCommand(commandsUrl, SECRET, { text: 'why-slow lab 5m', channel_id: LAB, user_id: 'U0ALICE' });
    expect(ackText(ws.json)).toContain('Investigating *lab*');
    await waitFor('why-slow on the timeline', async () => (await timelineKinds('lab')).includes('why-slow'), 30_000);

    silenceId = await postSilence([{ name: 'alertname', value: 'etcdHighNumberOfLeaderChanges' }, { name: 'job', value: job }], silenceEnds, 'leader churn under investigation');
    await postSilence([{ name: 'job', value: 'other-etcd' }], silenceEnds, 'maintenance on the other cluster');
  });

  it('posts a headline parent and a thread with durations, thread links, the why-slow verdict, open items and the silence', async () => {
    const { ack, parent, thread } = await handoff('handoff lab 2h', LAB);
    expect(ack).toContain('Preparing the handoff for *lab* over the last 2h');

    const head = blocksText(parent);
    expect(head).toContain('*lab*: 🔴 1 open · 2 fired · 1 resolved · 1 why-slow');
    expect(head).toMatch(/open items/);
    expect(thread.length).toBeGreaterThanOrEqual(1);
    const details = thread.map(blocksText).join('\n');

    const fsyncThread = threadParent('etcdHighFsyncDurations')!;
    const leaderThread = threadParent('etcdHighNumberOfLeaderChanges')!;
    const link = (m: StoredMessage): string => `https://standin.slack.com/archives/${LAB}/p${m.ts.replace('.', '')}`;
    // Resolved incident: exact duration, start → end, triage verdict, link to its thread.
    expect(details).toMatch(/✅ 45m, <!date\^\d+\^[^>]+> → <!date\^\d+\^[^>]+> · \*etcdHighFsyncDurations\* \(warning\)/);
    expect(details).toContain(`<${link(fsyncThread)}|thread>`);
    // Open incident: open for 10 minutes and counting, with its thread link.
    expect(details).toMatch(/🔴 open for 1\dm, since <!date/);
    expect(details).toContain(`<${link(leaderThread)}|thread>`);
    expect(details).toMatch(/triage: /);
    // The why-slow run: who asked and what it concluded.
    expect(details).toMatch(new RegExp(`by <@U0ALICE> \\(last 5m\\): Slow disk on ${member.replace(/\./g, '\\.')}`));
    // Open items: the unresolved incident, the suggestion not marked done, the silence with its expiry.
    expect(details).toContain('🔴 unresolved: etcdHighNumberOfLeaderChanges firing for');
    expect(details).toContain('🛠 suggested, not confirmed done:');
    expect(details).toMatch(/🔕 silence \{alertname="etcdHighNumberOfLeaderChanges", job="[^"]+"\} until <!date\^\d+\^[^>]+> \(in 1h 5\dm\) by alice: leader churn under investigation/);
    expect(details).toContain('leader churn under investigation');
    expect(details).toContain(`<!date^${Math.floor(Date.parse(silenceEnds) / 1000)}^`);
    // The other cluster's silence is not this cluster's business.
    expect(details).not.toContain('maintenance on the other cluster');
    expect(details).toContain('Trends over the period');
    expect(details).toContain('WAL fsync p99:');
    // After the text, a small latency chart of the cluster over the period.
    await waitFor('the trend chart', () => slack.uploadedFiles(LAB).some((f) => f.thread_ts === parent.ts), 20_000);
    const chart = slack.uploadedFiles(LAB).find((f) => f.thread_ts === parent.ts)!;
    expect(chart).toMatchObject({ filename: expect.stringMatching(/^handoff-lab-latency-trends-[0-9a-f]{10}\.png$/), title: 'lab: latencies over the shift (worst member)' });
    expect(readPng(chart.content!)).toMatchObject({ width: SMALL_CHART_SIZE.width * 2, height: SMALL_CHART_SIZE.height * 2 });
    expect(details).not.toContain('Nothing outstanding');
    // Permalinks came from chat.getPermalink.
    expect(slack.okCallsOf('chat.getPermalink').length).toBeGreaterThanOrEqual(3);
    expect(silenceId).toBeTruthy();
  });

  it('without a since, starts where the last handoff in the channel ended', async () => {
    await handoff('handoff lab', LAB);
    const handoffs = (await bot.timeline!.between('lab', 0, Date.now() + MIN)).events.flatMap((e) => (e.kind === 'handoff' ? [e] : []));
    expect(handoffs).toHaveLength(2);
    expect(handoffs[1]!.sinceMs).toBe(handoffs[0]!.untilMs);
  });

  it('an empty period is a short quiet-shift summary', async () => {
    const { parent, thread } = await handoff('handoff quiet 1h', QUIET);
    expect(blocksText(parent)).toContain('quiet shift');
    expect(blocksText(parent)).toContain('*quiet*: quiet shift, no alerts and no why-slow runs');
    expect(thread.map(blocksText).join('\n')).not.toContain('Incidents');
  });

  it('refuses bad input with a specific message and enqueues nothing', async () => {
    const before = await handoffJobs();
    const cases: Array<[string, string]> = [
      ['handoff nope', 'Unknown cluster `nope`'],
      ['handoff lab 12x', '"12x" is not a period'],
      ['handoff lab 0m', '"0m" is not a period'],
      ['handoff lab 31d', '31d reaches past the 30d the timeline keeps'],
      ['handoff other', 'cannot be queried from this channel'],
    ];
    for (const [text, expected] of cases) {
      const res = await sendSlashCommand(commandsUrl, SECRET, { text, channel_id: LAB });
      expect(res.status).toBe(200);
      expect((res.json as { response_type?: string }).response_type).toBe('ephemeral');
      expect(ackText(res.json)).toContain(expected);
    }
    expect(await handoffJobs()).toBe(before);
  });

  it('the CLI prints the same summary as text, markdown and JSON', async () => {
    const env = { REDIS_URL: redis.url, SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl };
    const json = JSON.parse(await handoffCli('lab', { config: configFile, since: '2h', format: 'json', env, prefix })) as HandoffSummary;
    const lab = json.clusters[0]!;
    expect(lab.counts).toEqual({ fired: 2, resolved: 1, open: 1, why_slow: 1 });
    const fsync = lab.incidents.find((i) => i.alertnames.includes('etcdHighFsyncDurations'))!;
    expect(fsync.status).toBe('resolved');
    expect(fsync.duration_seconds).toBe(45 * 60);
    expect(fsync.started_at).toBe(fsyncStart);
    expect(fsync.permalink).toMatch(/^https:\/\/standin\.slack\.com\/archives\/C0LAB\/p\d+$/);
    const leader = lab.incidents.find((i) => i.alertnames.includes('etcdHighNumberOfLeaderChanges'))!;
    expect(leader.status).toBe('open');
    expect(leader.duration_seconds).toBeGreaterThanOrEqual(10 * 60);
    expect(lab.silences).toHaveLength(1);
    expect(lab.silences[0]!.ends_at).toBe(silenceEnds);
    expect(lab.why_slow[0]!.requested_by).toBe('U0ALICE');
    expect(lab.nothing_outstanding).toBe(false);

    const text = await handoffCli('lab', { config: configFile, since: '2h', format: 'text', env, prefix });
    expect(text).toContain('SHIFT HANDOFF');
    expect(text).toContain('lab: 🔴 1 open · 2 fired · 1 resolved · 1 why-slow');
    expect(text).toMatch(/✅ 45m, \d{4}-\d\d-\d\d \d\d:\d\d UTC → .* · etcdHighFsyncDurations \(warning\)/);
    expect(text).toContain('thread: https://standin.slack.com/archives/C0LAB/p');
    expect(text).toContain('leader churn under investigation');

    const md = await handoffCli('all', { config: configFile, since: '2h', format: 'markdown', env, prefix });
    expect(md).toContain('## lab');
    expect(md).toContain('## quiet');
    expect(md).toMatch(/\[thread\]\(https:\/\/standin\.slack\.com/);

    firstSummary = json;
    await expect(handoffCli('nope', { config: configFile, format: 'text', env, prefix })).rejects.toThrow(/unknown cluster "nope"/);
    await expect(handoffCli('lab', { config: configFile, since: '40d', format: 'text', env, prefix })).rejects.toThrow(/reaches past the 30d/);
  });

  it('a "done" button on a suggested action records it, and the next handoff no longer lists it', async () => {
    const open = (h: HandoffSummary): string[] => h.clusters[0]!.open_items.flatMap((o) => (o.kind === 'suggestion' ? [o.id] : []));
    const before = open(firstSummary!);
    expect(before.length).toBeGreaterThan(0);
    const first = handoffParents(LAB).at(-1)!;
    const actions = slack
      .threadReplies(LAB, first.ts)
      .flatMap((m) => (m.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>)
      .find((b) => b.type === 'actions')!;
    const button = actions.elements![0]!;
    const payload = {
      type: 'block_actions',
      team: { id: 'T0STANDIN', domain: 'standin' },
      user: { id: 'U0CAROL', username: 'carol', team_id: 'T0STANDIN' },
      api_app_id: 'A0ETCD',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: first.ts, channel_id: LAB, is_ephemeral: false },
      trigger_id: '1.2.3',
      channel: { id: LAB, name: 'etcd-lab' },
      response_url: slack.responseUrl('done'),
      actions: [{ action_id: button.action_id, block_id: 'b1', type: 'button', value: button.value, action_ts: '1700000001.000200', text: { type: 'plain_text', text: 'Done' } }],
    };
    const res = await sendInteraction(`${bot.url}/slack/actions`, SECRET, payload);
    expect(res.status).toBe(200);
    const ref = (JSON.parse(button.value) as { id: string }).id;
    await waitFor('action on the timeline', async () => (await bot.timeline!.between('lab', 0, Date.now() + MIN)).events.some((e) => e.kind === 'action' && e.ref === ref && e.user === 'U0CAROL'), 10_000);

    const env = { REDIS_URL: redis.url };
    const after = JSON.parse(await handoffCli('lab', { config: configFile, since: '2h', format: 'json', env, prefix })) as HandoffSummary;
    expect(open(after)).toEqual(before.filter((id) => id !== ref));
  });

  it('the etcd-triage handoff command prints the summary and exits 2 with the reason on bad input', async () => {
    const run = promisify(execFile);
    const cli = (args: string[]): Promise<{ stdout: string; stderr: string; code: number }> =>
      run('npx', ['tsx', 'src/cli/main.ts', 'handoff', ...args, '--config', configFile], {
        cwd: process.cwd(),
        env: { ...process.env, REDIS_URL: redis.url, NO_COLOR: '1' },
      }).then(
        (r) => ({ ...r, code: 0 }),
        (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
      );
    const [ok, bad, unknown] = await Promise.all([cli(['quiet', '--since', '1h']), cli(['lab', '--since', '12x']), cli(['nope'])]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('SHIFT HANDOFF');
    expect(ok.stdout).toContain('quiet: quiet shift');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since: "12x" is not a period');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown cluster "nope"');
  });
});
