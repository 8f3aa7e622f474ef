import type { OnsetAnswers } from './answers.js';
import type { Guidelines } from './guidelines.js';
import { absentMeansZero, gradeSignals, isInternal, overBy } from './signals.js';
import { findSuspects } from './suspects.js';
import type { OnsetSignal, WatchEvaluation } from './types.js';

/**
 * The pure half of an evaluation: Prometheus' answers and the playbooks' lines in, what the cluster
 * looks like now out. No I/O, so every decision is tested without a Prometheus.
 */
export function judgeOnset(cluster: string, a: OnsetAnswers, g: { guidelines: Guidelines; problems: string[] }): WatchEvaluation {
  const { all, measured } = gradeSignals(a, g.guidelines);
  const valueOf = (signal: string, member: string): number | undefined =>
    a.rows.find((r) => r.signal === signal && r.labels[a.memberLabel] === member)?.value;

  const names = new Set<string>();
  for (const r of a.rows) {
    const m = r.labels[a.memberLabel];
    if (m !== undefined && r.signal !== 'node_cpu_pressure') names.add(m);
  }
  const memberNames = [...names].sort();
  const members = memberNames.map((m) => ({ member: m, up: valueOf('up', m) === 1, leader: valueOf('is_leader', m) === 1 }));
  const db = memberNames
    .map((m) => ({ member: m, sizeBytes: valueOf('db_size', m), quotaBytes: valueOf('db_quota', m) }))
    .filter((d): d is { member: string; sizeBytes: number; quotaBytes: number } => d.sizeBytes !== undefined && d.quotaBytes !== undefined)
    .sort((x, y) => y.sizeBytes - x.sizeBytes);

  const signals = all.filter((s) => !isInternal(s));
  return {
    cluster,
    at: new Date(a.at * 1000).toISOString(),
    suspects: findSuspects(all, g.guidelines, memberNames, measured),
    leader: members.find((m) => m.leader)?.member ?? null,
    members,
    slowest: slowest(signals),
    signals: signals.sort((x, y) => x.id.localeCompare(y.id) || (x.member ?? '').localeCompare(y.member ?? '') || (x.peer ?? '').localeCompare(y.peer ?? '')),
    db,
    queries: a.queries,
    missing: missing(a, all, memberNames, g.problems),
  };
}

/** The latency most over (or closest to) its guideline; another signal only when no latency was read. */
function slowest(signals: OnsetSignal[]): OnsetSignal | null {
  const pick = (list: OnsetSignal[]): OnsetSignal | null =>
    list.reduce<OnsetSignal | null>((best, s) => (best === null || overBy(s) > overBy(best) ? s : best), null);
  return pick(signals.filter((s) => s.unit === 's' && s.id !== 'wal_fsync_mean')) ?? pick(signals);
}

function missing(a: OnsetAnswers, all: OnsetSignal[], members: string[], problems: string[]): string[] {
  const out: string[] = [];
  for (const f of a.failures) out.push(`${f.signals.filter((s) => !s.endsWith('_before')).join(', ')}: ${f.error}`);
  for (const s of a.skipped) out.push(`${s.signals.filter((x) => !x.endsWith('_before')).join(', ')}: ${s.reason}`);
  if (!a.nodeExporter) out.push('node_cpu_pressure: no node_exporter configured for this cluster (nodeExporter.selector)');
  out.push(...problems.map((p) => `guideline ${p}`));
  if (a.windows !== null) {
    const failed = new Set(a.failures.flatMap((f) => f.signals));
    // Per member: the latency signals every member should have; a starved or stopped member lacks them.
    for (const id of ['wal_fsync_p99', 'backend_commit_p99']) {
      if (failed.has(id)) continue;
      const lacking = members.filter((m) => !all.some((s) => s.id === id && s.member === m));
      if (lacking.length > 0) out.push(`${id} on ${lacking.join(', ')}: no samples in the last ${a.windows.rate} s`);
    }
    if (!failed.has('peer_rtt_p99') && !all.some((s) => s.id === 'peer_rtt_p99') && !absentMeansZero('peer_rtt_p99')) {
      out.push(`peer_rtt_p99: no prober sample in the last ${a.windows.rtt} s`);
    }
  }
  return out;
}
