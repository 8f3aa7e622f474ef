// src/diagnosis/onset/types.ts
import type { ClusterConfig } from '../../config/schema.js';
import type { PrometheusClient } from '../../sources/prometheus/client.js';
import type { Playbook } from '../playbook/schema.js';

/** The causes a watch can see arriving; the names are the playbook cause kinds the diagnosis uses. */
export type OnsetKind = 'disk' | 'network' | 'cpu' | 'expensive' | 'capacity' | 'consensus';

export interface OnsetSignal {
  /** Stable id, e.g. 'wal_fsync_p99', 'peer_rtt_p99', 'apply_slow_rate', 'cpu_pressure'. */
  id: string;
  /** Member label value; null for a cluster-wide signal. */
  member: string | null;
  value: number;
  /** The onset threshold from the playbooks this value is held against. */
  guideline: number;
  unit: 's' | 'ratio' | 'per_s' | 'bytes' | 'count';
  /** True when the value is only a bound (histogram bucket edge), as in "≥ 51.2 ms". */
  bound?: boolean;
  breached: boolean;
  /** For a member→peer signal (peer round trip, failed sends): the peer, by member name. */
  peer?: string;
  /** For a histogram quantile: the bucket edges the value lies between (high null past the last edge). */
  range?: { low: number; high: number | null };
}

/** One cause the evaluation sees arriving now, on one member (or cluster-wide). */
export interface OnsetSuspect {
  kind: OnsetKind;
  member: string | null;
  /** Ids of the breached signals that point at it. */
  signals: string[];
  /** One short line for people, e.g. "WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)". */
  summary: string;
  /**
   * True while the kind may still change: slow fsyncs at the very onset, when the window still mixes
   * fast and slow ones and a slow disk cannot yet be told from a member starved of CPU.
   */
  tentative?: boolean;
}

export interface WatchEvaluation {
  cluster: string;
  /** ISO 8601 time the evaluation describes (the query time). */
  at: string;
  /** Ranked, most severe first; empty when nothing is arriving. */
  suspects: OnsetSuspect[];
  leader: string | null;
  members: { member: string; up: boolean; leader: boolean }[];
  /** The signal most over (or closest to) its guideline; null when nothing could be read. */
  slowest: OnsetSignal | null;
  signals: OnsetSignal[];
  /** Database size vs quota per member, largest first. */
  db: { member: string; sizeBytes: number; quotaBytes: number }[];
  /** Prometheus queries this evaluation spent (budget ≤ 10). */
  queries: number;
  /** Signals that could not be read, each with why (Prometheus down, no series, …). */
  missing: string[];
}

export interface OnsetInput {
  clusterName: string;
  cluster: ClusterConfig;
  prometheus: PrometheusClient;
  playbooks: Playbook[];
  /** Unix seconds to evaluate at; default now. */
  at?: number;
  signal?: AbortSignal;
}
