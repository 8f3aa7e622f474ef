import type { ClusterConfig } from '../../config/schema.js';
import { clusterConfigVars, renderQuery } from '../evidence/query-plan.js';

/**
 * The PromQL of one watch evaluation: a handful of instant queries, each returning several signals
 * tagged with an `onset_signal` label (`label_replace` … `or` …), so a cluster costs six queries
 * however many members it has. The first asks what the members are and how often they are scraped;
 * the others use a rate window derived from that.
 */

/** The label each expression's results are tagged with. */
export const SIGNAL_LABEL = 'onset_signal';

/** The cluster's placeholders, as a diagnosis fills them. */
export type OnsetVars = ReturnType<typeof clusterConfigVars>;

export interface OnsetQuery {
  /** Short name of the family, for messages ("latency query failed: …"). */
  name: string;
  promql: string;
  /** The signal ids it answers, so a failed query marks exactly those as missing. */
  signals: string[];
}

export function onsetVars(cluster: ClusterConfig): OnsetVars {
  return clusterConfigVars(cluster);
}

/**
 * A playbook check's query as the watch asks it: the placeholders filled as a diagnosis fills them, the
 * diagnosis' worst-30-s sub-window (`$recent`) and every other window being the watch's rate window, at
 * the one instant evaluated. So the watch reads the diagnosis' own evidence, never a copy of its rule.
 */
export function playbookCheckQuery(template: string, v: OnsetVars, w: Windows): string | undefined {
  return renderQuery(template, { ...v, windowSeconds: w.rate, rateSeconds: w.rate, stepSeconds: w.rate }, w.rate);
}

function union(name: string, parts: Array<[signal: string, expr: string]>): OnsetQuery {
  return {
    name,
    promql: parts.map(([signal, expr]) => `label_replace(${expr}, "${SIGNAL_LABEL}", "${signal}", "", "")`).join('\nor '),
    signals: parts.map(([signal]) => signal),
  };
}

/** Members, leader, ids, database size and how many scrapes each member had in the last minute. */
export function memberQuery(v: OnsetVars): OnsetQuery {
  const S = v.selector;
  const M = v.memberLabel;
  return union('members', [
    ['up', `max by (${M}) (up{${S}})`],
    // Samples in the last minute give the scrape interval, which sizes the rate windows.
    ['up_samples', `max by (${M}) (count_over_time(up{${S}}[60s]))`],
    ['is_leader', `max by (${M}) (last_over_time(etcd_server_is_leader{${S}}[60s]))`],
    // Ids look back a day: a member not scraped lately still needs its name for the peer labels (To).
    ['server_id', `max by (${M}, server_id) (last_over_time(etcd_server_id{${S}}[1d]))`],
    ['db_size', `max by (${M}) (last_over_time(etcd_mvcc_db_total_size_in_bytes{${S}}[5m]))`],
    ['db_quota', `max by (${M}) (last_over_time(etcd_server_quota_backend_bytes{${S}}[5m]))`],
  ]);
}

export interface Windows {
  /** Rate window for every signal but the peer round trip, in seconds. */
  rate: number;
  /** Window of the peer round trip histogram, in seconds (its prober samples every 30 s when healthy). */
  rtt: number;
}

/**
 * The windows, from the scrape interval seen in the data: a rate needs two samples in its window, so
 * the window spans at least 2.5 scrapes, and never less than 30 s (a p99 over a few seconds of
 * fsyncs is noise). The peer round trip prober records every 30 s while a peer is healthy: its window
 * holds two of those rounds, or a fault could go unseen for a whole round.
 */
export function windowsFor(scrapeIntervalSeconds: number): Windows {
  const rate = Math.max(30, Math.ceil(2.5 * scrapeIntervalSeconds));
  return { rate, rtt: Math.max(rate, 60 + Math.ceil(2 * scrapeIntervalSeconds)) };
}

const hq = (metric: string, by: string, S: string, w: number): string =>
  `histogram_quantile(0.99, sum by (${by}, le) (rate(${metric}_bucket{${S}}[${w}s])))`;

/**
 * `deviceBound`: the rendered query of disk/fsync_device_bound (playbookCheckQuery), when the playbooks
 * have that check.
 */
export function signalQueries(v: OnsetVars, w: Windows, deviceBound?: string): OnsetQuery[] {
  const S = v.selector;
  const M = v.memberLabel;
  const R = w.rate;
  const queries = [
    union('disk latency', [
      ['wal_fsync_p99', hq('etcd_disk_wal_fsync_duration_seconds', M, S, R)],
      ['backend_commit_p99', hq('etcd_disk_backend_commit_duration_seconds', M, S, R)],
      // The window before this one: when the fsyncs were already slow then, this window holds only the
      // fault, and fsyncs that are not the device's there are a starved CPU's, not an onset's mix of fast
      // and slow ones.
      ['wal_fsync_p99_before', `histogram_quantile(0.99, sum by (${M}, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{${S}}[${R}s] offset ${R}s)))`],
      [
        'wal_fsync_mean_before',
        `sum by (${M}) (rate(etcd_disk_wal_fsync_duration_seconds_sum{${S}}[${R}s] offset ${R}s)) / sum by (${M}) (rate(etcd_disk_wal_fsync_duration_seconds_count{${S}}[${R}s] offset ${R}s))`,
      ],
      [
        'wal_fsync_mean',
        `sum by (${M}) (rate(etcd_disk_wal_fsync_duration_seconds_sum{${S}}[${R}s])) / sum by (${M}) (rate(etcd_disk_wal_fsync_duration_seconds_count{${S}}[${R}s]))`,
      ],
      // Whether the fsyncs are bound by the device (time spent in fsync, mean near p99): the playbook's.
      ...(deviceBound === undefined ? [] : ([['fsync_device_bound', deviceBound]] as Array<[string, string]>)),
    ]),
    union('peers', [
      ['peer_rtt_p99', hq('etcd_network_peer_round_trip_time_seconds', `${M}, To`, S, w.rtt)],
      ['peer_send_failures', `sum by (${M}, To) (increase(etcd_network_peer_sent_failures_total{${S}}[${R}s]))`],
    ]),
    union('load', [
      ['client_bytes_sent', `sum by (${M}) (rate(etcd_network_client_grpc_sent_bytes_total{${S}}[${R}s]))`],
      ['write_rate', `sum by (${M}) (rate(etcd_mvcc_put_total{${S}}[${R}s]))`],
      ['wal_bytes', `max by (${M}) (rate(etcd_disk_wal_write_bytes_total{${S}}[${R}s]))`],
      ['apply_backlog', `max by (${M}) (etcd_server_proposals_committed_total{${S}} - etcd_server_proposals_applied_total{${S}})`],
      ['pending_proposals', `max by (${M}) (etcd_server_proposals_pending{${S}})`],
    ]),
    union('consensus', [
      // The exact count: increase() extrapolates, and one change read as 0.97 would slip under the line.
      ['leader_changes', `max by (${M}) (max_over_time(etcd_server_leader_changes_seen_total{${S}}[${R}s]) - min_over_time(etcd_server_leader_changes_seen_total{${S}}[${R}s]))`],
      ['no_leader', `1 - min by (${M}) (min_over_time(etcd_server_has_leader{${S}}[${R}s]))`],
      ['failed_proposals', `sum by (${M}) (increase(etcd_server_proposals_failed_total{${S}}[${R}s]))`],
    ]),
    union('cpu', [
      ['scrape_gaps', `1 - avg by (${M}) (avg_over_time(up{${S}}[${R}s]))`],
      ...(v.nodeSelector === undefined
        ? []
        : ([['node_cpu_pressure', `max(rate(node_pressure_cpu_waiting_seconds_total{${v.nodeSelector}}[${R}s]))`]] as Array<[string, string]>)),
    ]),
  ];
  return queries;
}
