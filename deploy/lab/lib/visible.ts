import type { FaultKind } from './faults.js';
import { say } from './layout.js';

/**
 * "Is the fault visible yet?": for each fault, one PromQL expression over the live lab and the value
 * it must exceed. These are what a human would look at first; the demo and the live tests wait on them
 * before asking for a diagnosis, so the bot is never asked about a fault Prometheus cannot see yet.
 */
export interface VisibleCheck { what: string; query: string; threshold: number }

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export function visibleCheck(kind: FaultKind, member?: string, memberId?: string): VisibleCheck {
  const m = esc(member ?? '');
  switch (kind) {
    case 'disk':
      return { what: `WAL fsync p99 of ${member} (s)`, threshold: 0.5, query: `histogram_quantile(0.99, sum by (le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{job="etcd",instance="${m}"}[30s])))` };
    case 'network':
      // The prober feeds the RTT histogram every 30 s while healthy (5 s once unhealthy), so this takes ~1 min.
      return { what: `peer RTT p99 towards ${member} as seen by the others (s)`, threshold: 0.15, query: `max(histogram_quantile(0.99, sum by (instance, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket{job="etcd",To="${esc(memberId ?? '')}"}[1m]))))` };
    case 'cpu':
      // Node CPU pressure is already 0.3-0.9 s/s in the healthy lab (two cores shared with Prometheus), so
      // wait on the starved member itself: its fsync timer includes the wait for a CPU.
      return { what: `WAL fsync p99 of ${member}, inflated by waiting for CPU (s)`, threshold: 0.1, query: `histogram_quantile(0.99, sum by (le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{job="etcd",instance="${m}"}[30s])))` };
    case 'expensive':
      return { what: 'client gRPC bytes sent (B/s, cluster)', threshold: 5e6, query: 'sum(rate(etcd_network_client_grpc_sent_bytes_total{job="etcd"}[30s]))' };
    case 'capacity':
      return { what: 'apply backlog, committed - applied (max over 30 s)', threshold: 20, query: 'max(max_over_time((etcd_server_proposals_committed_total{job="etcd"} - etcd_server_proposals_applied_total{job="etcd"})[30s:1s]))' };
    case 'none':
      return { what: 'members up', threshold: 2.5, query: 'sum(up{job="etcd"})' };
  }
}

export async function queryScalar(prometheusUrl: string, query: string): Promise<number | undefined> {
  const r = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query }).toString()}`, { signal: AbortSignal.timeout(5000) });
  const j = (await r.json()) as { status: string; data?: { result: { value: [number, string] }[] } };
  const v = j.data?.result[0]?.value[1];
  const n = v === undefined ? undefined : Number(v);
  return n === undefined || Number.isNaN(n) ? undefined : n;
}

/** Polls until the check passes; prints the value every few seconds. Returns the seconds it took. */
export async function waitVisible(prometheusUrl: string, c: VisibleCheck, timeoutS: number): Promise<number> {
  const t0 = Date.now();
  let lastPrint = 0;
  for (;;) {
    const v = await queryScalar(prometheusUrl, c.query).catch(() => undefined);
    const el = (Date.now() - t0) / 1000;
    if (v !== undefined && v > c.threshold) {
      say(`visible after ${el.toFixed(0)} s: ${c.what} = ${v.toPrecision(3)} (> ${c.threshold})`);
      return el;
    }
    if (Date.now() - lastPrint > 5000) {
      say(`waiting for the fault to show: ${c.what} = ${v === undefined ? 'no data yet' : v.toPrecision(3)} (need > ${c.threshold}), ${el.toFixed(0)}/${timeoutS} s`);
      lastPrint = Date.now();
    }
    if (el > timeoutS) throw new Error(`the fault did not become visible within ${timeoutS} s (${c.what}, query: ${c.query})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
