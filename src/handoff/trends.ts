import type { ClusterConfig } from '../config/schema.js';
import type { PrometheusClient } from '../sources/prometheus/client.js';
import { matchers } from '../sources/prometheus/escape.js';
import type { Series } from '../sources/prometheus/types.js';
import { spanText } from './time-text.js';
import type { Trend } from './summary.js';

/**
 * Trends over the shift from five Prometheus queries per cluster (three range, two instant), whatever
 * the length of the shift: the step grows with the period so each series stays near 120 points.
 */

export interface TrendResult {
  trends: Trend[];
  /** Watch items: things that are fine now and will not stay fine. */
  watch: string[];
  notes: string[];
}

type Point = { t: number; v: number };

export async function collectTrends(
  prom: PrometheusClient,
  cluster: ClusterConfig,
  period: { sinceMs: number; untilMs: number },
  quotaWatchDays: number,
): Promise<TrendResult> {
  const start = Math.floor(period.sinceMs / 1000);
  const end = Math.floor(period.untilMs / 1000);
  const seconds = Math.max(60, end - start);
  const step = Math.max(30, Math.ceil(seconds / 120));
  // The rate window is at least the step, so a spike between two points still shows in one of them.
  const w = `${Math.max(300, step)}s`;
  const sel = matchers(cluster.selector);
  const by = cluster.memberLabel;
  const q = {
    fsync: `max(histogram_quantile(0.99, sum by (${by}, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{${sel}}[${w}]))))`,
    rtt: `max(histogram_quantile(0.99, sum by (${by}, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket{${sel}}[${w}]))))`,
    db: `max(etcd_mvcc_db_total_size_in_bytes{${sel}})`,
    quota: `max(etcd_server_quota_backend_bytes{${sel}})`,
    leaders: `max(increase(etcd_server_leader_changes_seen_total{${sel}}[${seconds}s]))`,
  };
  const notes: string[] = [];
  // A partial answer (a Thanos store that did not answer) is used, and the handoff says so. The notes
  // are kept per query and listed in the order of the trends, not in the order the answers came back.
  const partial = new Map<string, string[]>();
  const noted = <T>(what: string) => (a: { result: T; warnings: string[] }): T => {
    if (a.warnings.length > 0) partial.set(what, a.warnings.map((w) => `${what}: partial answer, may lack data (${w})`));
    return a.result;
  };
  const settled = await Promise.allSettled([
    prom.rangeAnswer(q.fsync, start, end, step).then(noted('fsync p99')),
    prom.rangeAnswer(q.rtt, start, end, step).then(noted('peer RTT p99')),
    prom.rangeAnswer(q.db, start, end, step).then(noted('database size')),
    prom.instantAnswer(q.quota, end).then(noted('database quota')),
    prom.instantAnswer(q.leaders, end).then(noted('leader changes')),
  ]);
  const [fsync, rtt, db, quota, leaders] = settled;
  for (const what of ['fsync p99', 'peer RTT p99', 'database size', 'database quota', 'leader changes']) notes.push(...(partial.get(what) ?? []));
  const points = (r: PromiseSettledResult<Series[]>, what: string): Point[] | undefined => {
    if (r.status === 'rejected') {
      notes.push(`${what}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
      return undefined;
    }
    return (r.value[0]?.points ?? []).filter((p) => Number.isFinite(p.v));
  };
  const trends: Trend[] = [];
  const watch: string[] = [];

  const fsyncPts = points(fsync, 'fsync p99');
  if (fsyncPts) trends.push({ ...seriesTrend('fsync_p99', 'WAL fsync p99', fsyncPts, msText), points: fsyncPts });
  const rttPts = points(rtt, 'peer RTT p99');
  if (rttPts) trends.push({ ...seriesTrend('peer_rtt_p99', 'Peer round trip p99', rttPts, msText), points: rttPts });

  const dbPts = points(db, 'database size');
  const quotaBytes = quota.status === 'fulfilled' ? quota.value[0]?.v : undefined;
  if (quota.status === 'rejected') notes.push(`database quota: ${String(quota.reason instanceof Error ? quota.reason.message : quota.reason)}`);
  if (dbPts) {
    const t = seriesTrend('db_size', 'Database size', dbPts, bytesText);
    if (quotaBytes !== undefined && Number.isFinite(quotaBytes) && quotaBytes > 0 && t.last !== undefined) {
      const used = t.last / quotaBytes;
      t.text += ` (${Math.round(used * 100)}% of ${bytesText(quotaBytes)} quota)`;
      const daysLeft = daysToQuota(dbPts, quotaBytes);
      if (used >= 0.8) watch.push(`database at ${Math.round(used * 100)}% of its quota: compact and defragment before it reaches 100% (etcd then refuses writes)`);
      else if (daysLeft !== undefined && daysLeft <= quotaWatchDays) {
        watch.push(`database reaches its ${bytesText(quotaBytes)} quota in about ${spanText(daysLeft * 86400)} at this shift's growth`);
      }
    }
    trends.push(t);
  }

  if (leaders.status === 'fulfilled') {
    const n = leaders.value[0]?.v;
    const count = n === undefined || !Number.isFinite(n) ? 0 : Math.round(n);
    trends.push({ id: 'leader_changes', title: 'Leader changes', last: count, text: `${count} during the period` });
  } else {
    notes.push(`leader changes: ${leaders.reason instanceof Error ? leaders.reason.message : String(leaders.reason)}`);
  }
  return { trends, watch, notes };
}

function seriesTrend(id: Trend['id'], title: string, pts: Point[], fmt: (v: number) => string): Trend {
  if (pts.length === 0) return { id, title, text: 'no data' };
  let peak = pts[0]!;
  for (const p of pts) if (p.v > peak.v) peak = p;
  const first = pts[0]!.v;
  const last = pts[pts.length - 1]!.v;
  return {
    id,
    title,
    first,
    last,
    peak: peak.v,
    peak_at: new Date(peak.t * 1000).toISOString(),
    text: `${fmt(first)} → ${fmt(last)}, peak ${fmt(peak.v)}`,
  };
}

/** Days until the quota at the least-squares growth over the period; undefined when not growing. */
export function daysToQuota(pts: readonly Point[], quota: number): number | undefined {
  if (pts.length < 2) return undefined;
  const n = pts.length;
  const mt = pts.reduce((a, p) => a + p.t, 0) / n;
  const mv = pts.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of pts) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  if (den === 0) return undefined;
  const perSecond = num / den;
  if (perSecond <= 0) return undefined;
  const last = pts[n - 1]!.v;
  return Math.max(0, (quota - last) / perSecond / 86400);
}

export function msText(seconds: number): string {
  const ms = seconds * 1000;
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

export function bytesText(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
