import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/handoff/period.js';
import { matchersText, silenceCoversCluster, silenceSchema, type Silence } from '../../../src/handoff/silences.js';
import { daysToQuota } from '../../../src/handoff/trends.js';
import { spanText } from '../../../src/handoff/time-text.js';
import { handoffClusterMessages, handoffParentMessage } from '../../../src/report/handoff/handoff-slack.js';
import type { ClusterHandoff, HandoffSummary } from '../../../src/handoff/summary.js';
import { configSchema } from '../../../src/config/schema.js';

const silence = (matchers: Silence['matchers']): Silence =>
  silenceSchema.parse({
    id: 's1',
    status: { state: 'active' },
    matchers,
    startsAt: '2025-03-01T10:00:00Z',
    endsAt: '2025-03-01T12:00:00Z',
    createdBy: 'alice',
    comment: 'why',
  });

describe('parseSince', () => {
  const retention = 30 * 86400;
  it.each([
    ['12h', 12 * 3600],
    ['90m', 5400],
    ['30d', retention],
  ])('%s → %d seconds', (text, seconds) => {
    expect(parseSince(text, retention)).toEqual({ ok: true, seconds });
  });
  it.each([['12'], ['12x'], ['-1h'], ['30s'], ['h']])('%s is not a period', (text) => {
    expect(parseSince(text, retention)).toMatchObject({ ok: false, reason: 'bad-since' });
  });
  it('past the retention is refused as such', () => {
    expect(parseSince('31d', retention)).toMatchObject({ ok: false, reason: 'beyond-retention', message: expect.stringContaining('30d') });
  });
});

describe('silences', () => {
  const identity = { job: 'etcd-prod', cluster: 'prod' };
  it('covers the cluster when no identifying matcher rejects it', () => {
    expect(silenceCoversCluster(silence([{ name: 'alertname', value: 'etcdNoLeader', isRegex: false, isEqual: true }]), identity)).toBe(true);
    expect(silenceCoversCluster(silence([{ name: 'job', value: 'etcd-prod', isRegex: false, isEqual: true }]), identity)).toBe(true);
    expect(silenceCoversCluster(silence([{ name: 'job', value: 'etcd-.*', isRegex: true, isEqual: true }]), identity)).toBe(true);
  });
  it('does not cover it when a matcher on an identifying label says no', () => {
    expect(silenceCoversCluster(silence([{ name: 'job', value: 'etcd-staging', isRegex: false, isEqual: true }]), identity)).toBe(false);
    expect(silenceCoversCluster(silence([{ name: 'cluster', value: 'prod', isRegex: false, isEqual: false }]), identity)).toBe(false);
    // Anchored like Alertmanager's: "etcd" alone does not match "etcd-prod".
    expect(silenceCoversCluster(silence([{ name: 'job', value: 'etcd', isRegex: true }]), identity)).toBe(false);
  });
  it('shows matchers as Alertmanager writes them', () => {
    expect(
      matchersText([
        { name: 'a', value: 'x', isRegex: false, isEqual: true },
        { name: 'b', value: 'y.*', isRegex: true, isEqual: true },
        { name: 'c', value: 'z', isRegex: false, isEqual: false },
        { name: 'd', value: 'w.*', isRegex: true, isEqual: false },
      ]),
    ).toBe('{a="x", b=~"y.*", c!="z", d!~"w.*"}');
  });
  it('rejects an API answer of the wrong shape', () => {
    expect(silenceSchema.safeParse({ id: 's', status: { state: 'active' } }).success).toBe(false);
  });
});

describe('trends and text', () => {
  it('days to quota follow the least-squares growth; none when not growing', () => {
    const day = 86400;
    const pts = [0, 1, 2, 3].map((i) => ({ t: i * day, v: 100 + i * 10 }));
    expect(daysToQuota(pts, 200)).toBeCloseTo(7, 5);
    expect(daysToQuota(pts.map((p) => ({ ...p, v: 100 })), 200)).toBeUndefined();
  });
  it('spans read like a person writes them', () => {
    expect([45, 60, 2700, 3600, 5400, 90000, 3 * 86400 + 4 * 3600].map(spanText)).toEqual(['45s', '1m', '45m', '1h', '1h 30m', '25h', '3d 4h']);
  });
});

describe('Slack rendering', () => {
  const cluster = (n: number): ClusterHandoff => ({
    cluster: 'prod',
    quiet: false,
    warnings: [],
    counts: { fired: n, resolved: 0, open: n, why_slow: 0 },
    incidents: Array.from({ length: n }, (_, i) => ({
      id: `g${i}.1`,
      alertnames: ['etcdHighFsyncDurations'],
      members: ['m1', 'm2'],
      severity: 'warning',
      status: 'open' as const,
      started_at: '2025-03-01T10:00:00Z',
      duration_seconds: 3600,
      started_in_period: true,
      verdict: `Slow disk on m1 <${'x'.repeat(200)}>`,
      channel: 'C0',
      permalink: `https://example.slack.com/archives/C0/p${i}`,
    })),
    incidents_not_listed: 0,
    why_slow: [],
    why_slow_not_listed: 0,
    health: { status: 'healthy', headline: 'ok', window_seconds: 300 },
    trends: [],
    silences: [],
    open_items: [],
    nothing_outstanding: false,
    notes: [],
  });
  const summary = (c: ClusterHandoff): HandoffSummary => ({
    generated_at: '2025-03-01T20:00:00Z',
    period: { since: '2025-03-01T08:00:00Z', until: '2025-03-01T20:00:00Z', seconds: 43200 },
    mention: 'S0ONCALL',
    clusters: [c],
  });

  it('keeps every message within Slack limits however long the lists', () => {
    const msgs = handoffClusterMessages(cluster(100));
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) {
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(m.blocks).length).toBeLessThan(13_000);
      for (const b of m.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    }
    // User text is escaped for mrkdwn.
    expect(JSON.stringify(msgs[0]!.blocks)).toContain('&lt;xxx');
  });

  it('the parent is the headline: period, the on-call mention, one line per cluster', () => {
    const m = handoffParentMessage(summary(cluster(2)));
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('<!subteam^S0ONCALL>');
    expect(text).toContain('*prod*: 🔴 2 open · 2 fired · 0 resolved');
    expect(m.text).toBe('Shift handoff: prod: 2 open, 2 fired, 0 resolved');
  });
});

describe('config', () => {
  const base = { clusters: { lab: { prometheus: { url: 'http://p:9090' }, selector: { job: 'etcd' } } } };
  it('handoff has defaults', () => {
    const c = configSchema.parse(base);
    expect(c.handoff).toMatchObject({ retentionDays: 30, defaultSince: '12h', schedules: [] });
  });
  it('rejects a bad cron and an unknown time zone', () => {
    const r = configSchema.safeParse({ ...base, handoff: { schedules: [{ channel: 'C1', cron: '0 8', tz: 'Mars/Olympus', clusters: 'all' }] } });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['handoff.schedules.0.cron', 'handoff.schedules.0.tz']));
  });
});

describe('config cross-checks', () => {
  it('names a schedule cluster that does not exist and a default period past the retention', async () => {
    const { parseConfigText } = await import('../../../src/config/load.js');
    const text = `
handoff:
  retentionDays: 1
  defaultSince: 2d
  schedules: [{ channel: C1, cron: "0 8 * * *", clusters: [lab, nope] }]
clusters:
  lab: { prometheus: { url: "http://p:9090" }, selector: { job: etcd } }
`;
    expect(() => parseConfigText(text, 'x.yaml', {})).toThrow(/handoff\.schedules\.0\.clusters: unknown cluster "nope"[\s\S]*handoff\.defaultSince: 2d is longer than retentionDays/);
  });
});
