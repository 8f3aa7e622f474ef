import { boundsOf, gradeBounded } from '../judge/histogram-bounds.js';
import type { OnsetAnswers } from './answers.js';
import type { Guideline, GuidelineId, Guidelines } from './guidelines.js';
import type { OnsetSignal } from './types.js';

/**
 * Query answers → signals graded against their playbook lines. Histogram quantiles are graded on their
 * bucket edges (a p99 inside the bucket that holds the line is no breach); everything else on its value.
 */

type Unit = OnsetSignal['unit'];

/** Signal id → the guideline it is held against and its unit. Signals not listed are facts (ids, sizes). */
const GRADED: Record<string, { guideline: GuidelineId; unit: Unit; absentMeansZero?: true }> = {
  wal_fsync_p99: { guideline: 'wal_fsync_p99', unit: 's' },
  wal_fsync_p99_before: { guideline: 'wal_fsync_p99', unit: 's' },
  // The mean against the p99 line: a mean past it is a certain breach, whatever the buckets.
  wal_fsync_mean: { guideline: 'wal_fsync_p99', unit: 's' },
  wal_fsync_mean_before: { guideline: 'wal_fsync_p99', unit: 's' },
  backend_commit_p99: { guideline: 'backend_commit_p99', unit: 's' },
  // disk/fsync_device_bound's own value: 1 (100%) at its line.
  fsync_device_bound: { guideline: 'fsync_device_bound', unit: 'ratio' },
  peer_rtt_p99: { guideline: 'peer_rtt_p99', unit: 's' },
  peer_send_failures: { guideline: 'peer_send_failures', unit: 'count', absentMeansZero: true },
  scrape_gaps: { guideline: 'scrape_gaps', unit: 'ratio' },
  node_cpu_pressure: { guideline: 'node_cpu_pressure', unit: 'ratio' },
  client_bytes_sent: { guideline: 'client_bytes_sent', unit: 'per_s' },
  write_rate: { guideline: 'write_rate', unit: 'per_s' },
  wal_bytes: { guideline: 'wal_bytes', unit: 'per_s' },
  apply_backlog: { guideline: 'apply_backlog', unit: 'count' },
  pending_proposals: { guideline: 'pending_proposals', unit: 'count' },
  leader_changes: { guideline: 'leader_changes', unit: 'count', absentMeansZero: true },
  no_leader: { guideline: 'no_leader', unit: 'count' },
  failed_proposals: { guideline: 'failed_proposals', unit: 'count', absentMeansZero: true },
};

/** Signals a person reads in status; the rest only feed the decisions (device-bound says what kind of slow). */
const INTERNAL = new Set(['wal_fsync_p99_before', 'wal_fsync_mean_before', 'fsync_device_bound']);

export interface GradedSignals {
  /** Every graded signal, including the internal ones. */
  all: OnsetSignal[];
  /** Member id (hex, as in peer labels) → member name. */
  nameById: Map<string, string>;
}

export function gradeSignals(a: OnsetAnswers, guidelines: Guidelines): GradedSignals {
  const nameById = new Map<string, string>();
  for (const r of a.rows) {
    const name = r.labels[a.memberLabel];
    if (r.signal === 'server_id' && r.labels.server_id && name) nameById.set(r.labels.server_id, name);
  }
  const all: OnsetSignal[] = [];
  for (const r of a.rows) {
    const spec = GRADED[r.signal];
    const g = spec && guidelines[spec.guideline];
    if (!spec || !g || !Number.isFinite(r.value)) continue;
    const member = r.labels[a.memberLabel] ?? null;
    const peer = r.labels.To === undefined ? undefined : (nameById.get(r.labels.To) ?? r.labels.To);
    all.push(grade(r.signal, member, r.value, spec.unit, g, r.signal.startsWith('wal_fsync_mean') ? undefined : g.les, peer));
  }
  return { all, nameById };
}

export function isInternal(s: OnsetSignal): boolean {
  return INTERNAL.has(s.id);
}

/** Counters etcd creates on first use: no series means none happened, not "unknown". */
export function absentMeansZero(signal: string): boolean {
  return GRADED[signal]?.absentMeansZero === true;
}

function grade(id: string, member: string | null, value: number, unit: Unit, g: Guideline, les: number[] | undefined, peer: string | undefined): OnsetSignal {
  const bounds = les ? boundsOf(value, les) : undefined;
  const severity = gradeBounded(value, bounds, g.thresholds);
  const breached = severity !== 'ok';
  const signal: OnsetSignal = { id, member, value, guideline: g.thresholds.warning, unit, breached };
  if (peer !== undefined) signal.peer = peer;
  if (bounds) {
    signal.range = bounds;
    // A breach is claimed on the lower edge and shown as such ("≥ 51.2 ms"); so is a value past the last edge.
    if (breached || bounds.high === null) {
      signal.value = bounds.low;
      signal.bound = true;
    }
  }
  return signal;
}

/** How far over its line a signal is: 1 at the line. */
export function overBy(s: OnsetSignal): number {
  return s.guideline > 0 ? s.value / s.guideline : s.value > 0 ? Infinity : 0;
}
