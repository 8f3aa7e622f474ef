import type { ChartData } from '../../diagnosis/chart-series.js';
import type { ClusterHandoff, HandoffSummary } from '../../handoff/summary.js';

/**
 * The small chart of a cluster's handoff: WAL fsync p99 and peer round trip p99 of the worst member over
 * the period, the two latencies an incoming on-call compares with "normal". The lines are the trend
 * queries' own series (no extra query).
 */
export function trendChartData(c: ClusterHandoff, period: HandoffSummary['period']): ChartData | undefined {
  const series = c.trends
    .filter((t) => (t.id === 'fsync_p99' || t.id === 'peer_rtt_p99') && (t.points?.length ?? 0) > 0)
    .map((t) => ({ member: t.title, points: t.points! }));
  if (series.length === 0) return undefined;
  return {
    id: `${c.cluster}/latency-trends`,
    role: 'trend',
    title: `${c.cluster}: latencies over the shift (worst member)`,
    unit: 'seconds',
    promql: '',
    // The fsync guideline (< 10 ms) as the reference line.
    rule: { value: 0.01, label: 'fsync guideline' },
    highlighted: series.map((s) => s.member),
    start: period.since,
    end: period.until,
    windowStart: period.since,
    series,
  };
}
