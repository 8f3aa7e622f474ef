import type { Unit } from './playbook/schema.js';

/**
 * The diagnosis: the stable contract behind `why-slow --format json` (documented in the README).
 * Multi-word keys are snake_case because automation reads them; add fields, never rename them.
 */
export type Severity = 'ok' | 'warning' | 'critical';
export type Confidence = 'low' | 'medium' | 'high';

export interface MeasuredValue {
  /** Member label value (e.g. the instance), or "*" for a cluster-wide value. */
  member: string;
  /** A second label that qualifies the value, e.g. the peer a round trip goes to. */
  detail?: string;
  /** per: node checks with `pick`: the value of the picked label (the data device, e.g. sda). */
  picked?: string;
  value: number;
  formatted: string;
  severity: Severity;
  /** For peak/low checks: when the extreme was reached (ISO 8601). */
  at?: string;
  /**
   * For histogram quantiles: the bucket edges the value lies between (high null: past the last edge).
   * `value` is histogram_quantile's interpolation inside them; the grade uses the edges.
   */
  bounds?: { low: number; high: number | null };
  /** The same signal in an earlier window, for "48 ms (yesterday 1.2 ms)". */
  baseline?: { value: number; formatted: string; when: 'yesterday' | 'an hour earlier' };
}

export interface CheckResult {
  playbook: string;
  check: string;
  title: string;
  unit: Unit;
  /** "< 10 ms" style, from the thresholds. */
  guideline?: string;
  severity: Severity;
  values: MeasuredValue[];
  /** Set when the check could not be evaluated; the values are then empty. */
  missing?: string;
  /** "playbook/check" when this is another playbook's check reused as it is. */
  ref?: string;
  /**
   * Set when a breach of this check slows nothing (information: fragmentation far below the quota) or
   * only backs causes unless critical (supporting: slow applies).
   */
  impact?: 'information' | 'supporting';
}

export interface CauseResult {
  playbook: string;
  cause: string;
  title: string;
  severity: Severity;
  members: string[];
  confidence: Confidence;
  /** Evidence strength used for ranking: how far over the guideline, how many signals agree. */
  score: number;
  summary: string;
  /** The checks that are breached and back this cause. */
  signals: string[];
  suggestions: string[];
}

export interface ConsequenceResult extends CauseResult {
  /** "playbook/cause" of the cause that explains it, when one was found. */
  attributed_to?: string;
}

export interface SuggestionResult {
  playbook: string;
  id: string;
  text: string;
  command?: string;
  /** The etcd release(s) the command was written for (the members' etcd_server_version). */
  etcd_version?: string;
  members: string[];
}

export interface MissingEvidence {
  playbook: string;
  check: string;
  reason: string;
}

export interface TimelineEntry {
  at: string;
  member: string;
  text: string;
}

export interface ExpensiveRequest {
  prefix: string;
  count: number;
  total_ms: number;
  max_ms: number;
  response_bytes: number;
  max_response_count: number | null;
  members: string[];
  /** The trace step that took the time, when traces were logged. */
  dominant_step: string | null;
  example: string;
}

/** Slow reads that were cheap but waited (ReadIndex, a slow member): an effect, not a culprit. */
export interface WaitingRequests extends ExpensiveRequest {
  /** "playbook/cause" found on the members they waited on. */
  attributed_to?: string;
}

export interface Diagnosis {
  cluster: string;
  window: { start: string; end: string; seconds: number };
  healthy: boolean;
  headline: string;
  /**
   * name: how texts name the member (members.displayLabel); address: the member label's value when it
   * differs (what Prometheus and log sources know it by); node: its node_exporter node, when found.
   */
  members: Array<{ name: string; address?: string; node?: string; leader: boolean; up: boolean; version?: string }>;
  causes: CauseResult[];
  consequences: ConsequenceResult[];
  /**
   * Findings that are true but slow nothing (a fragmented database far below its quota), with what to
   * do; severity "ok". They never make the cluster unhealthy.
   */
  information?: CauseResult[];
  findings: Array<{ playbook: string; title: string; checks: CheckResult[] }>;
  suggestions: SuggestionResult[];
  timeline: TimelineEntry[];
  /** Slow read requests from the logs, grouped by key prefix, most total time first. */
  expensive_requests: ExpensiveRequest[];
  /**
   * Slow reads whose time went into waiting (for raft agreement, a slow member), grouped like
   * expensive_requests and attributed to the cause that made them wait.
   */
  waiting_requests?: WaitingRequests[];
  missing_evidence: MissingEvidence[];
  evidence: { queries: number; failed_queries: number; log_events: number; collected_at: string; duration_ms: number };
}
