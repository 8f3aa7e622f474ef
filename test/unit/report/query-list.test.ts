import { describe, expect, it } from 'vitest';
import type { QueryRecord } from '../../../src/diagnosis/evidence/evidence.js';
import { summariseQuery, type QueryList } from '../../../src/diagnosis/evidence/query-summary.js';
import { prometheusGraphUrl, queryListMessage } from '../../../src/report/query-list-slack.js';

const fsync: QueryRecord = {
  kind: 'range',
  promql: 'histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{job="etcd"}[120s])))',
  start: 1_700_000_000,
  end: 1_700_000_900,
  step: 15,
  durationMs: 12,
  result: [
    { labels: { instance: 'etcd-1' }, points: [{ t: 1_700_000_000, v: 0.004 }, { t: 1_700_000_015, v: 0.006 }] },
    { labels: { instance: 'etcd-2' }, points: [{ t: 1_700_000_000, v: 1.2 }, { t: 1_700_000_015, v: Number.NaN }, { t: 1_700_000_030, v: 2.038 }] },
  ],
};

describe('a query in short', () => {
  it('names the highest finite value and the member it came from', () => {
    expect(summariseQuery(fsync, 'instance')).toMatchObject({ result: '2 series, max 2.038 on etcd-2', failed: false, start: 1_700_000_000, end: 1_700_000_900 });
  });

  it('says when a query failed, and when it found nothing', () => {
    expect(summariseQuery({ ...fsync, result: undefined, error: { kind: 'timeout', message: 'deadline 2000 ms' } }, 'instance')).toMatchObject({
      result: 'failed: deadline 2000 ms',
      failed: true,
    });
    expect(summariseQuery({ ...fsync, result: [] }, 'instance').result).toBe('no data');
  });
});

describe('the Show queries message', () => {
  const list = (n: number, promqlChars = 200): QueryList => ({
    cluster: 'prod',
    memberLabel: 'instance',
    collectedAt: '2023-11-14T22:28:20.000Z',
    queries: Array.from({ length: n }, (_, i) => summariseQuery({ ...fsync, promql: `${fsync.promql} + ${i}`.padEnd(promqlChars, ' ') }, 'instance')),
    omitted: 0,
  });

  it('links the graph page on the browser-facing URL with the query, its range and its end in UTC', () => {
    const u = new URL(prometheusGraphUrl('https://prom.example.com/sub', summariseQuery(fsync, 'instance')));
    expect(u.origin + u.pathname).toBe('https://prom.example.com/sub/graph');
    expect(u.searchParams.get('g0.expr')).toBe(fsync.promql);
    expect(u.searchParams.get('g0.range_input')).toBe('900s');
    expect(u.searchParams.get('g0.end_input')).toBe('2023-11-14 22:28:20');
  });

  it('stays within Slack limits for many long queries, and counts what it leaves out', () => {
    const m = queryListMessage(list(120, 1400), { externalUrl: 'https://prom.example.com' });
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    const chars = JSON.stringify(m.blocks).length;
    expect(chars).toBeLessThan(13_000 + 4000); // JSON quoting adds to the text Slack counts
    for (const b of m.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    const shown = (JSON.stringify(m.blocks).match(/\|graph>/g) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(JSON.stringify(m.blocks)).toContain(`…and ${120 - shown} more not shown`);
  });

  it('lists everything when it fits, with no "more" line', () => {
    const m = queryListMessage(list(5), {});
    expect((JSON.stringify(m.blocks).match(/2 series, max 2\.038 on etcd-2/g) ?? []).length).toBe(5);
    expect(JSON.stringify(m.blocks)).not.toContain('more not shown');
    expect(JSON.stringify(m.blocks)).toContain('No graph links');
  });
});
