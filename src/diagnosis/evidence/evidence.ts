import type { NodeMatchConfig } from '../../config/schema.js';
import type { Series } from '../../sources/prometheus/types.js';
import type { PrometheusErrorKind } from '../../sources/prometheus/errors.js';
import type { LogEvent } from '../../sources/logs/types.js';

/**
 * Evidence is a value: everything the playbooks look at, as collected. It is saved as a bundle
 * (why-slow --save-evidence) and replayed offline, so the diagnosis of an incident can be reproduced
 * exactly. The playbooks find their results again by the rendered PromQL text.
 */
export const EVIDENCE_FORMAT = 'etcd-triage-evidence/1';

export interface QueryRecord {
  kind: 'instant' | 'range';
  promql: string;
  /** instant: evaluation time; range: start/end/step. Unix seconds. */
  time?: number;
  start?: number;
  end?: number;
  step?: number;
  /** Instant results are stored as series with one point. */
  result?: Series[];
  error?: { kind: PrometheusErrorKind | 'skipped'; message: string };
  /** The server's warnings with an answer, e.g. a Thanos partial response: the result may lack data. */
  warnings?: string[];
  durationMs: number;
  /** Set on the comparison queries: the same query a day earlier, or an hour earlier. */
  purpose?: BaselinePurpose;
}

export type BaselinePurpose = 'baseline-day' | 'baseline-hour';
export const BASELINE_OFFSET: Record<BaselinePurpose, number> = { 'baseline-day': 86400, 'baseline-hour': 3600 };

/** A parsed etcd log line; `time` is in milliseconds (the window above is in seconds). */
export type EvidenceLogEvent = LogEvent;

export interface LogEvidence {
  /** Sources that were read, e.g. "file /var/log/etcd-2.log". */
  sources: string[];
  events: EvidenceLogEvent[];
  errors: Array<{ source: string; member?: string; message: string }>;
  truncated: boolean;
}

export interface Evidence {
  format: typeof EVIDENCE_FORMAT;
  cluster: string;
  memberLabel: string;
  /** The PromQL selector of the cluster's members, as rendered. */
  selector: string;
  nodeSelector?: string;
  /** How members were tied to nodes, and the data device asked for (config nodeExporter). */
  nodeMatch?: NodeMatchConfig;
  nodeDevice?: string;
  /** The target label members are named by in texts (config members.displayLabel). */
  displayLabel?: string;
  window: { start: number; end: number; seconds: number; rateSeconds: number; stepSeconds: number };
  prometheusUrl: string;
  /** The cluster's tuning facts from the config (ports, interface), for computed commands. */
  tuning: { clientPort: number; peerPort: number; interface: string };
  collectedAt: string;
  durationMs: number;
  playbooks: string[];
  queries: QueryRecord[];
  /** Absent when the cluster has no log source configured. */
  logs?: LogEvidence;
}

export function queryKey(kind: 'instant' | 'range', promql: string, purpose?: BaselinePurpose): string {
  return `${kind}\u0000${promql}\u0000${purpose ?? ''}`;
}

export function findQuery(evidence: Evidence, kind: 'instant' | 'range', promql: string, purpose?: BaselinePurpose): QueryRecord | undefined {
  const key = queryKey(kind, promql, purpose);
  return evidence.queries.find((q) => queryKey(q.kind, q.promql, q.purpose) === key);
}
