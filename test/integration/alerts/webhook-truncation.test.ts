import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { freePort, refusedUrl, waitFor, type RefusedUrl, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.js';
import { startAlertBot } from '../../support/test-bot.js';

/**
 * Alerts per notification are bounded (alertmanager.maxAlertsPerNotification), and nothing is lost
 * silently: the alerts left out, by the bot's cap or by Alertmanager's own max_alerts, are counted in a
 * metric and shown in the thread's parent. Real Redis, real Alertmanager, real bot; Slack stand-in.
 */
const TOKEN = 'am-webhook-token';
const CAPPED = 'C0CAPPED';
const AM_TRUNCATED = 'C0AMTRUNC';
const MAX = 20;

let redis: RunningProcess & { url: string };
let slack: SlackStandin;
let bot: RunningServices;
let am: RunningAlertmanager;
let botPort: number;
let deadProm: RefusedUrl;

beforeAll(async () => {
  [redis, slack, botPort] = await Promise.all([startRedis(), SlackStandin.start(), freePort()]);
  deadProm = await refusedUrl();
  const config = `
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  maxAlertsPerNotification: ${MAX}
  fallbackChannel: C0FALLBACK
clusters:
  capped:
    prometheus: { url: "${deadProm.url}", timeoutMs: 300 }
    selector: { job: etcd-capped }
    alerts: { channel: ${CAPPED} }
  am-truncated:
    prometheus: { url: "${deadProm.url}", timeoutMs: 300 }
    selector: { job: etcd-am }
    alerts: { channel: ${AM_TRUNCATED} }
`;
  bot = await startAlertBot({ config: config, name: 'truncation-test.yaml', slack, redisUrl: redis.url, webhookToken: TOKEN, port: botPort, prefix: `trunc${Date.now()}` });
  am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${botPort}/alertmanager`, token: TOKEN, maxAlerts: 5, groupWait: '1s', groupInterval: '1s' });
}, 120_000);

afterAll(async () => {
  await am?.stop();
  await bot?.stop();
  await Promise.all([redis?.stop(), slack?.stop(), deadProm?.close()]);
});

const metricsText = async (): Promise<string> => (await fetch(`http://127.0.0.1:${botPort}/metrics`)).text();
const parentText = (ch: string): string => slack.history(ch)[0]?.text ?? '';

describe('alerts per notification', () => {
  it('over the cap: the first alerts are kept, the rest counted in the answer, the metric and the parent', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alerts = Array.from({ length: 50 }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'etcdHighFsyncDurations', job: 'etcd-capped', instance: `10.0.0.${i}:2379`, severity: 'warning' },
      annotations: {},
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: `cap${i}`,
    }));
    const body = {
      version: '4',
      groupKey: '{}:{alertname="etcdHighFsyncDurations", job="etcd-capped"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'etcd-triage',
      groupLabels: { alertname: 'etcdHighFsyncDurations', job: 'etcd-capped' },
      commonLabels: { alertname: 'etcdHighFsyncDurations', job: 'etcd-capped' },
      commonAnnotations: {},
      externalURL: '',
      alerts,
    };
    const res = await fetch(`http://127.0.0.1:${botPort}/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted', alerts: MAX, truncatedAlerts: 50 - MAX });

    await waitFor('capped parent', () => parentText(CAPPED).includes('not listed'), 20_000);
    expect(slack.history(CAPPED)).toHaveLength(1);
    expect(parentText(CAPPED)).toContain(`${MAX} firing since`);
    expect(parentText(CAPPED)).toContain(`${50 - MAX} more not listed (notification truncated)`);
    expect(await metricsText()).toMatch(/etcd_triage_alerts_truncated_total\{by="etcd-triage"\} 30\b/);
  });

  it('Alertmanager\'s max_alerts: its truncatedAlerts is shown in the parent and counted', async () => {
    await am.push(
      Array.from({ length: 8 }, (_, i) => ({
        labels: { alertname: 'etcdMemberCommunicationSlow', job: 'etcd-am', instance: `10.1.0.${i}:2379`, severity: 'warning' },
      })),
    );
    await waitFor('Alertmanager-truncated parent', () => parentText(AM_TRUNCATED).includes('not listed'), 30_000);
    expect(slack.history(AM_TRUNCATED)).toHaveLength(1);
    expect(parentText(AM_TRUNCATED)).toContain('5 firing since');
    expect(parentText(AM_TRUNCATED)).toContain('3 more not listed (notification truncated)');
    expect(await metricsText()).toMatch(/etcd_triage_alerts_truncated_total\{by="alertmanager"\} [1-9]\d*\b/);
  });
});
