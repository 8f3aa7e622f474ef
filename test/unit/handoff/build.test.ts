import { describe, expect, it } from 'vitest';
import { buildClusterHandoff, type ClusterHandoffInput } from '../../../src/handoff/build.js';
import { handoffInput } from '../../support/handoff-input.js';
import type { AlertTimelineEvent, TimelineEvent } from '../../../src/incidents/timeline/timeline-event.js';

const H = 3600_000;
const until = Date.parse('2025-03-01T20:00:00Z');
const since = until - 12 * H;
const iso = (ms: number): string => new Date(ms).toISOString();

const alert = (kind: AlertTimelineEvent['kind'], gid: string, atMs: number, startsMs: number, extra: Record<string, unknown> = {}): TimelineEvent =>
  ({
    id: `${gid}.${kind}.${atMs}`,
    at: iso(atMs),
    cluster: 'prod',
    kind,
    gid,
    incarnation: 1,
    alertnames: ['etcdHighFsyncDurations'],
    members: ['m1'],
    severity: 'warning',
    channel: 'C0PROD',
    startsAt: iso(startsMs),
    ...(kind === 'alert-resolved' ? { resolvedAt: iso(atMs) } : {}),
    ...(kind === 'alert-changed' ? { added: [], resolved: [] } : {}),
    ...(kind === 'alert-triaged' ? { headline: 'Slow disk on m1', healthy: false, causes: ['disk/slow_wal'] } : {}),
    ...extra,
  }) as TimelineEvent;

const input = (over: Partial<ClusterHandoffInput>): ClusterHandoffInput => handoffInput(since, until, over);

describe('buildClusterHandoff', () => {
  it('an empty, healthy period is quiet with nothing outstanding', () => {
    const h = buildClusterHandoff(input({}));
    expect(h.quiet).toBe(true);
    expect(h.nothing_outstanding).toBe(true);
    expect(h.open_items).toEqual([]);
  });

  it('folds a group into one incident with its duration, verdict and thread link', () => {
    const start = since + 2 * H;
    const events = [
      alert('alert-fired', 'g1', start + 30_000, start),
      alert('alert-triaged', 'g1', start + 32_000, start),
      alert('alert-resolved', 'g1', start + 95 * 60_000, start),
    ];
    const h = buildClusterHandoff(
      input({ events, threads: new Map([['g1.1', '111.222']]), permalinks: new Map([['C0PROD/111.222', 'https://x/p111222']]) }),
    );
    expect(h.incidents).toEqual([
      expect.objectContaining({ id: 'g1.1', status: 'resolved', duration_seconds: 95 * 60, verdict: 'Slow disk on m1', permalink: 'https://x/p111222', started_in_period: true }),
    ]);
    expect(h.counts).toEqual({ fired: 1, resolved: 1, open: 0, why_slow: 0 });
    expect(h.nothing_outstanding).toBe(true);
  });

  it('an incident open since before the period is listed as open with its full age', () => {
    const start = since - 3 * H;
    const open = [alert('alert-fired', 'g2', start, start) as AlertTimelineEvent];
    const h = buildClusterHandoff(input({ open }));
    expect(h.incidents[0]).toMatchObject({ status: 'open', duration_seconds: 15 * 3600, started_in_period: false });
    expect(h.counts).toEqual({ fired: 0, resolved: 0, open: 1, why_slow: 0 });
    expect(h.open_items[0]).toMatchObject({ kind: 'incident', text: 'etcdHighFsyncDurations firing for 15h on m1' });
    expect(h.nothing_outstanding).toBe(false);
    expect(h.quiet).toBe(false);
  });

  it('suggestions stay open until marked done, newest first, once each', () => {
    const why = (id: string, atMs: number, sugg: string[]): TimelineEvent => ({
      id,
      at: iso(atMs),
      cluster: 'prod',
      kind: 'why-slow',
      requestedBy: 'U1',
      windowSeconds: 900,
      healthy: false,
      headline: 'Slow disk on m1',
      topCause: 'disk/slow_wal',
      members: ['m1'],
      suggestions: sugg.map((s) => ({ id: s, text: `do ${s}` })),
    });
    const done: TimelineEvent = { id: 'a1', at: iso(since + 5 * H), cluster: 'prod', kind: 'action', user: 'U2', action: 'suggestion-done', ref: 'disk/ionice' };
    const h = buildClusterHandoff(input({ events: [why('w1', since + H, ['disk/ionice', 'disk/fio']), why('w2', since + 2 * H, ['disk/wal-dir']), done] }));
    expect(h.open_items.map((o) => (o.kind === 'suggestion' ? o.id : o.kind))).toEqual(['disk/wal-dir', 'disk/fio']);
    expect(h.why_slow).toHaveLength(2);
    expect(h.why_slow[0]).toMatchObject({ requested_by: 'U1', headline: 'Slow disk on m1' });
  });

  it('unknown health is never reported as nothing outstanding', () => {
    const h = buildClusterHandoff(input({ health: { status: 'unknown', reason: 'Prometheus did not answer' } }));
    expect(h.nothing_outstanding).toBe(false);
    expect(h.open_items).toEqual([{ kind: 'health', text: 'health now unknown: Prometheus did not answer' }]);
  });

  it('lists open incidents first and counts the ones left out', () => {
    const events = Array.from({ length: 30 }, (_, i) => alert('alert-fired', `g${i}`, since + i * 60_000, since + i * 60_000));
    const h = buildClusterHandoff(input({ events, maxIncidents: 10 }));
    expect(h.incidents).toHaveLength(10);
    expect(h.incidents_not_listed).toBe(20);
    // Longest open first.
    expect(h.incidents[0]!.id).toBe('g0.1');
  });
});
