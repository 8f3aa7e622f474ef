import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import { startAlertmanager, type RunningAlertmanager, type TestAlert } from '../../support/alertmanager.js';
import { startAlertBot } from '../../support/test-bot.js';
import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';

/**
 * Alerts whose labels and annotations were written by someone else: a real Alertmanager posts them to
 * the bot, which posts to the Slack stand-in. Everything shows as the text it is (no channel ping, no
 * mention, no disguised link), a severity of "constructor" is just an unknown severity, and alert names
 * long enough to be cut mid-emoji do not stop the thread from getting its replies.
 */
const TOKEN = 'am-webhook-token';
const CHANNEL = 'C0HOSTILE';
const JOB = 'etcd-hostile';

let redis: RunningProcess & { url: string };
let prom: RunningProcess;
let promUrl: string;
let slack: SlackStandin;
let bot: RunningServices;
let am: RunningAlertmanager;
let botPort: number;

beforeAll(async () => {
  botPort = await freePort();
  const promPort = await freePort();
  const dir = tempDir('prom-hostile');
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\nscrape_configs: []\n');
  promUrl = `http://127.0.0.1:${promPort}`;
  [redis, prom, slack] = await Promise.all([
    startRedis(),
    startProcess({
      name: 'prometheus-bare',
      command: 'prometheus',
      args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      port: promPort,
      ready: async () => (await fetch(`${promUrl}/-/ready`)).ok,
    }),
    SlackStandin.start(),
  ]);
  const config = `
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  fallbackChannel: C0FALLBACK
clusters:
  lab:
    prometheus: { url: "${promUrl}", timeoutMs: 2000 }
    selector: { job: ${JOB} }
    alerts: { channel: ${CHANNEL} }
`;
  bot = await startAlertBot({ config: config, name: 'hostile-alerts.yaml', slack, redisUrl: redis.url, webhookToken: TOKEN, port: botPort, prefix: `ha${Date.now()}` });
  am = await startAlertmanager({
    webhookUrl: `http://127.0.0.1:${botPort}/alertmanager`,
    token: TOKEN,
    groupBy: ['job'],
    groupWait: '1s',
    groupInterval: '1s',
    repeatInterval: '1h',
  });
}, 120_000);

afterAll(async () => {
  await am?.stop();
  await bot?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

/** Every text Slack would render of a message: its text and every text in its blocks. */
const shown = (m: StoredMessage): string => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
/** Slack markup in a message, other than the bot's own date and Alertmanager links. */
const markup = (m: StoredMessage): string[] =>
  shown(m)
    .replace(/<https?:\/\/[^<>|\s]+\|Alertmanager>/g, '')
    .match(/<[^>]*>?/g) ?? [];

// Sorted first after etcdHighFsyncDurations, and long enough that the old cut of the triage text at
// 3000 characters ("Triage of etcdHighFsyncDurations, www…") fell inside its emoji.
const cutName = `${'w'.repeat(2965)}😀`;
const longName = `${'x'.repeat(2999)}😀`;

describe('alerts with hostile labels and annotations', () => {
  const fsync: TestAlert = {
    labels: { alertname: 'etcdHighFsyncDurations', job: JOB, instance: '<!channel>', severity: 'constructor', team: '<!here>' },
    annotations: { summary: 'see <http://evil.example|the runbook> and ask <@U0EVIL>' },
  };
  const long: TestAlert = {
    labels: { alertname: longName, job: JOB, instance: 'etcd-2:2379', severity: 'warning' },
    annotations: { summary: '<!subteam^S0ALL> wake up' },
  };
  const cut: TestAlert = { labels: { alertname: cutName, job: JOB, instance: 'etcd-3:2379', severity: 'warning' } };
  const down: TestAlert = {
    labels: { alertname: 'etcdMembersDown', job: JOB, instance: 'etcd-1:2379', severity: 'critical' },
    annotations: { summary: 'member <#C0GENERAL> down & out' },
  };
  let parent: StoredMessage;

  it('posts the parent and the triage escaped, with a sane severity, despite names cut mid-emoji', async () => {
    await am.push([fsync, long, cut]);
    await waitFor('the parent and the triage reply', () => {
      const p = slack.history(CHANNEL)[0];
      return p !== undefined && slack.threadReplies(CHANNEL, p.ts).some((r) => /Triage/.test(r.text));
    }, 40_000);
    expect(slack.history(CHANNEL)).toHaveLength(1);
    parent = slack.history(CHANNEL)[0]!;
    expect(markup(parent)).toEqual([]);
    // "constructor" is an unknown severity: it ranks below "warning", and prints no JavaScript internals.
    expect(parent.text).toMatch(/^🟠 FIRING/);
    expect(shown(parent)).toContain('severity *warning*');
    expect(shown(parent)).not.toMatch(/function|native code/);
    expect(shown(parent)).toContain('members &lt;!channel&gt;');
    const [triage] = slack.threadReplies(CHANNEL, parent.ts);
    expect(markup(triage!)).toEqual([]);
    expect(shown(triage!)).toContain('&lt;!channel&gt;');
    expect(shown(triage!)).not.toContain('\\ud83d');
  }, 60_000);

  it('the thread keeps receiving replies: new alerts, their triage, the resolution, all escaped', async () => {
    await am.push([fsync, long, cut, down]);
    await waitFor('the "now firing" reply', () => slack.threadReplies(CHANNEL, parent.ts).some((r) => /1 new/.test(r.text)), 30_000);
    await am.resolve([fsync, long, cut, down]);
    await waitFor('the closing reply', () => slack.threadReplies(CHANNEL, parent.ts).some((r) => /Resolved after/.test(r.text)), 30_000);

    const replies = slack.threadReplies(CHANNEL, parent.ts);
    for (const r of replies) expect(markup(r), r.text.slice(0, 200)).toEqual([]);
    const changed = replies.find((r) => /1 new/.test(r.text))!;
    expect(shown(changed)).toContain('member &lt;#C0GENERAL&gt; down &amp; out');
    expect(replies.at(-1)!.text).toMatch(/^✅ Resolved after/);
    expect(slack.message(CHANNEL, parent.ts)!.text).toMatch(/RESOLVED/);
    // Nothing was refused by Slack or left failing in the delivery queue.
    expect(slack.callsOf('chat.postMessage').filter((c) => c.response['ok'] !== true)).toEqual([]);
    const jobs = (await bot.metrics.jobs.get()).values;
    const troubled = jobs.filter((v) => v.labels['outcome'] !== 'completed' && v.value > 0);
    expect(troubled).toEqual([]);
  }, 90_000);

  it('an externalURL that is not http(s) is never offered as a link; a lone "constructor" severity shows as such', async () => {
    const before = slack.history(CHANNEL).length;
    const now = new Date().toISOString();
    const res = await fetch(`http://127.0.0.1:${botPort}/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{job="etcd-hostile-url"}',
        status: 'firing',
        receiver: 'etcd-triage',
        groupLabels: { job: JOB },
        commonLabels: { job: JOB },
        commonAnnotations: {},
        externalURL: 'javascript:alert(1)',
        alerts: [
          { status: 'firing', labels: { alertname: 'etcdNoLeader', job: JOB, instance: 'etcd-1:2379', severity: 'constructor' }, annotations: {}, startsAt: now, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f0000001' },
        ],
      }),
    });
    expect(res.status).toBeLessThan(300);
    await waitFor('its parent', () => slack.history(CHANNEL).length > before, 20_000);
    const p = slack.history(CHANNEL).find((m) => m.text.includes('etcdNoLeader'))!;
    expect(shown(p)).not.toContain('javascript:');
    expect(shown(p)).toContain('details in thread · Alertmanager');
    expect(markup(p)).toEqual([]);
    expect(p.text).toMatch(/^🟠 FIRING · etcdNoLeader/);
    expect(shown(p)).toContain('severity *constructor*');
    expect(shown(p)).not.toMatch(/function|native code/);
  }, 40_000);
});
