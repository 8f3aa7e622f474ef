/**
 * The handoff summary: the stable contract behind `etcd-triage handoff --format json` and the input of
 * every renderer. Multi-word keys are snake_case because automation reads them; add fields, never
 * rename them. Times are ISO 8601 UTC; durations are whole seconds.
 */

export interface HandoffSummary {
  generated_at: string;
  period: { since: string; until: string; seconds: number };
  /** Slack user group ID of the incoming on-call, when configured. */
  mention?: string;
  clusters: ClusterHandoff[];
}

export interface ClusterHandoff {
  cluster: string;
  /** Nothing happened in the period: no alert group changed and no why-slow ran. */
  quiet: boolean;
  counts: { fired: number; resolved: number; open: number; why_slow: number };
  /** Open first (longest open first), then resolved, newest first. */
  incidents: IncidentSummary[];
  /** Incidents left out of `incidents` to keep the summary readable. */
  incidents_not_listed: number;
  /** The newest runs, oldest of them first. */
  why_slow: WhySlowSummary[];
  why_slow_not_listed: number;
  /** Early warnings of the watch opened, changed or recovered in the period, newest first. */
  warnings: WarningSummary[];
  health: HealthNow;
  trends: Trend[];
  silences: SilenceSummary[];
  open_items: OpenItem[];
  /** True only when there is nothing open, nothing silenced, nothing to watch and the cluster is healthy now. */
  nothing_outstanding: boolean;
  /** Data that could not be had (Alertmanager down, Prometheus down): said, never guessed. */
  notes: string[];
}

export interface IncidentSummary {
  id: string;
  alertnames: string[];
  members: string[];
  severity?: string;
  status: 'open' | 'resolved';
  started_at: string;
  resolved_at?: string;
  /** Until resolution, or until the end of the period while open. */
  duration_seconds: number;
  /** False for an incident that started before the period (still open, or resolved during it). */
  started_in_period: boolean;
  /** The triage's one-line verdict, when a triage ran. */
  verdict?: string;
  verdict_healthy?: boolean;
  channel: string;
  permalink?: string;
}

export interface WarningSummary {
  warning_id: string;
  /** Onset, ISO 8601. */
  since: string;
  status: 'open' | 'recovered';
  recovered_at?: string;
  /** What the watch saw, one line per cause and member, first the one it opened with. */
  causes: string[];
}

export interface WhySlowSummary {
  at: string;
  requested_by?: string;
  window_seconds: number;
  healthy: boolean;
  headline: string;
  top_cause?: string;
  members: string[];
  permalink?: string;
}

export type HealthNow =
  | { status: 'healthy'; headline: string; window_seconds: number }
  | { status: 'unhealthy'; headline: string; window_seconds: number; top_cause?: string; severity?: string; members: string[] }
  | { status: 'unknown'; reason: string };

export interface Trend {
  id: 'fsync_p99' | 'peer_rtt_p99' | 'db_size' | 'leader_changes';
  title: string;
  /** Values in base units (seconds, bytes, count); `text` is the human reading. */
  first?: number;
  last?: number;
  peak?: number;
  peak_at?: string;
  text: string;
  /** The series over the period (unix seconds, base units), for the trend chart; latencies only. */
  points?: Array<{ t: number; v: number }>;
}

export interface SilenceSummary {
  id: string;
  matchers: string;
  created_by: string;
  comment: string;
  ends_at: string;
  /** Seconds from the end of the period until the silence expires. */
  expires_in_seconds: number;
}

export type OpenItem =
  | { kind: 'incident'; text: string; incident: string }
  | { kind: 'suggestion'; text: string; id: string; command?: string }
  | { kind: 'silence'; text: string; silence: string }
  | { kind: 'watch'; text: string }
  | { kind: 'warning'; text: string; warning: string }
  | { kind: 'health'; text: string };
