import { describe, expect, it } from 'vitest';
import { WebhookAuthenticator, credentialsFromEnv } from '../../../src/ingress/alertmanager/auth.js';
import { webhookSchema } from '../../../src/ingress/alertmanager/webhook-schema.js';
import { matchCluster } from '../../../src/incidents/alerts/cluster-match.js';
import { playbooksForAlerts } from '../../../src/jobs/alerts/playbooks.js';
import { slackErrorLabel } from '../../../src/jobs/delivery/worker.js';
import { configSchema } from '../../../src/config/schema.js';
import type { Playbook } from '../../../src/diagnosis/playbook/schema.js';

describe('webhook authentication', () => {
  it('accepts only the configured bearer token', () => {
    const a = new WebhookAuthenticator({ kind: 'bearer', token: 's3cret' });
    expect(a.check('Bearer s3cret')).toBe(true);
    expect(a.check('bearer s3cret')).toBe(true);
    expect(a.check('Bearer s3cre')).toBe(false);
    expect(a.check('Basic czNjcmV0')).toBe(false);
    expect(a.check(undefined)).toBe(false);
    expect(a.check('')).toBe(false);
  });
  it('accepts only the configured basic credentials', () => {
    const a = new WebhookAuthenticator({ kind: 'basic', username: 'am', password: 'pw' });
    expect(a.check(`Basic ${Buffer.from('am:pw').toString('base64')}`)).toBe(true);
    expect(a.check(`Basic ${Buffer.from('am:px').toString('base64')}`)).toBe(false);
    expect(a.check('Bearer am:pw')).toBe(false);
  });
  it('names a missing environment variable', () => {
    expect(() => credentialsFromEnv({ tokenEnv: 'AM_TOKEN' }, {})).toThrow(/AM_TOKEN is not set/);
  });
});

describe('webhook schema', () => {
  it('refuses other versions and alerts without alertname, with the path in the issue', () => {
    const r = webhookSchema.safeParse({ version: '3', groupKey: 'k', status: 'firing', receiver: 'r', groupLabels: {}, commonLabels: {}, alerts: [{ status: 'firing', labels: {}, startsAt: 'x', endsAt: 'y', fingerprint: 'f' }] });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['version', 'alerts.0.labels', 'alerts.0.startsAt']));
  });
});

describe('cluster mapping', () => {
  const config = configSchema.parse({
    alertmanager: { auth: { tokenEnv: 'T' }, fallbackChannel: 'C0FB' },
    clusters: {
      prod: { prometheus: { url: 'http://p:9090' }, selector: { job: 'kube-etcd', cluster: 'prod' }, slack: { channels: ['C0PROD'] } },
      lab: { prometheus: { url: 'http://p:9090' }, selector: { job: 'etcd' }, alerts: { channel: 'C0ALERTS', match: { job: 'etcd' } } },
    },
  });
  const am = config.alertmanager!;
  it('by a cluster label, by match labels, else the fallback; drop only when configured', () => {
    expect(matchCluster(config, am, [{ cluster: 'lab' }])).toMatchObject({ kind: 'cluster', cluster: 'lab', channel: 'C0ALERTS' });
    expect(matchCluster(config, am, [{}, { job: 'kube-etcd', cluster: 'prod', instance: 'x' }])).toMatchObject({ kind: 'cluster', cluster: 'prod', channel: 'C0PROD' });
    expect(matchCluster(config, am, [{ job: 'other' }])).toEqual({ kind: 'fallback', channel: 'C0FB' });
    expect(matchCluster(config, { ...am, dropUnmatched: true }, [{ job: 'other' }])).toEqual({ kind: 'drop' });
  });
  it('the config refuses an alertmanager section with nowhere for unmatched alerts', () => {
    const r = configSchema.safeParse({ alertmanager: { auth: { tokenEnv: 'T' } }, clusters: { a: { prometheus: { url: 'http://p:9090' }, selector: { job: 'e' } } } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).toMatch(/fallbackChannel/);
  });
});

describe('playbooks for alerts', () => {
  const pb = (id: string, alerts: string[]): Playbook => ({ id, alerts }) as unknown as Playbook;
  const books = [pb('disk', ['etcdHighFsyncDurations', 'etcdNoLeader']), pb('network', ['etcdNoLeader', 'etcdMembersDown']), pb('database', [])];
  it('runs the playbooks that list the alert; an unlisted etcd alert runs all; other alerts none', () => {
    expect(playbooksForAlerts(books, ['etcdHighFsyncDurations'])).toEqual(['disk']);
    expect(playbooksForAlerts(books, ['etcdNoLeader'])).toEqual(['disk', 'network']);
    expect(playbooksForAlerts(books, ['etcdSomethingNew'])).toEqual(['disk', 'network', 'database']);
    expect(playbooksForAlerts(books, ['KubeNodeNotReady'])).toEqual([]);
  });
});

describe('Slack error labels for metrics', () => {
  it('keep the Slack error, drop channels and free text', () => {
    expect(slackErrorLabel('rate_limited')).toBe('rate_limited');
    expect(slackErrorLabel('network: connect ECONNREFUSED 1.2.3.4:443')).toBe('network');
    expect(slackErrorLabel('Slack chat.postMessage failed: channel_not_found (channel C0X)')).toBe('channel_not_found');
    expect(slackErrorLabel('Slack chat.postMessage still failing after 2 attempt(s): http_503')).toBe('http_503');
  });
});

describe('coalescing waiting replies', () => {
  it('merges consecutive "changed" replies only, within a block budget', async () => {
    const { coalesce } = await import('../../../src/jobs/delivery/worker.js');
    const r = (kind: string, n = 1): { kind: string; blocks: unknown[] } => ({ kind, blocks: Array.from({ length: n }, () => ({})) });
    const batches = coalesce([r('triage'), r('changed'), r('changed'), r('changed'), r('resolved'), r('changed', 30), r('changed', 30)]);
    expect(batches.map((b) => b.map((x) => x.kind).join('+'))).toEqual([
      'triage',
      'changed+changed+changed',
      'resolved',
      'changed',
      'changed',
    ]);
  });
});
