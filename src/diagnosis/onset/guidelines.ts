import { bucketBounds } from '../judge/histogram-bounds.js';
import { isMetricCheck, isRefCheck, type MetricCheck, type Playbook, type Thresholds } from '../playbook/schema.js';

/**
 * The onset lines a watch holds its signals against, read from the loaded playbooks (so an operator who
 * tunes a playbook tunes the watch too). Each is a playbook check: its thresholds, and for histogram
 * quantiles its bucket edges, so that a p99 is graded on the edges and never breaches by interpolation.
 */
export const GUIDELINE_CHECKS = {
  wal_fsync_p99: 'disk/wal_fsync_p99',
  // Not only a line: the watch evaluates this check's own query, the evidence the diagnosis decides on.
  fsync_device_bound: 'disk/fsync_device_bound',
  backend_commit_p99: 'disk/backend_commit_p99',
  latency_inflated: 'resources/latency_inflated',
  peer_rtt_p99: 'network/peer_rtt_p99',
  peer_send_failures: 'network/peer_send_failures',
  scrape_gaps: 'resources/scrape_gaps',
  node_cpu_pressure: 'resources/node_cpu_pressure',
  client_bytes_sent: 'expensive/client_bytes_sent',
  write_rate: 'capacity/write_rate',
  wal_bytes: 'capacity/wal_bytes',
  apply_backlog: 'capacity/apply_backlog',
  pending_proposals: 'capacity/pending_proposals',
  leader_changes: 'consensus/leader_changes',
  no_leader: 'consensus/no_leader',
  failed_proposals: 'consensus/failed_proposals',
} as const;

export type GuidelineId = keyof typeof GUIDELINE_CHECKS;

export interface Guideline {
  /** "playbook/check" it comes from, for messages. */
  source: string;
  thresholds: Thresholds;
  /** Bucket upper bounds when the value is a histogram quantile. */
  les?: number[];
  /** The check's PromQL with its placeholders, for a check the watch evaluates as the diagnosis does. */
  query: string;
}

export type Guidelines = { [K in GuidelineId]?: Guideline };

/** Every guideline the playbooks provide; `problems` says which could not be found, and why. */
export function readGuidelines(playbooks: Playbook[]): { guidelines: Guidelines; problems: string[] } {
  const guidelines: Guidelines = {};
  const problems: string[] = [];
  for (const [id, source] of Object.entries(GUIDELINE_CHECKS) as Array<[GuidelineId, string]>) {
    const found = resolve(playbooks, source, new Set());
    if (typeof found === 'string') problems.push(`${id}: ${found}`);
    else guidelines[id] = found;
  }
  return { guidelines, problems };
}

function resolve(playbooks: Playbook[], source: string, seen: Set<string>): Guideline | string {
  if (seen.has(source)) return `the playbook check ${source} refers to itself`;
  seen.add(source);
  const [pbId, checkId] = source.split('/') as [string, string];
  const check = playbooks.find((p) => p.id === pbId)?.checks.find((c) => c.id === checkId);
  if (!check) return `no playbook check ${source} to take the guideline from`;
  if (isRefCheck(check)) {
    const base = resolve(playbooks, check.ref, seen);
    if (typeof base === 'string') return base;
    return { ...base, source, thresholds: check.thresholds ?? base.thresholds };
  }
  if (!isMetricCheck(check)) return `the playbook check ${source} counts log lines, not a metric`;
  return fromMetric(check, source);
}

function fromMetric(check: MetricCheck, source: string): Guideline | string {
  if (!check.thresholds) return `the playbook check ${source} has no thresholds`;
  return { source, thresholds: check.thresholds, les: check.buckets ? bucketBounds(check.buckets) : undefined, query: check.query };
}
