import { createHash } from 'node:crypto';
import type { OnsetKind, WatchEvaluation } from '../../diagnosis/onset/types.js';

/**
 * The warning state machine of one watched cluster, as a pure function of the previous state and one
 * evaluation: quiet → suspect (n in a row) → open warning → recovering (n clear in a row) → recovered
 * (quiet again, the warning remembered). Hysteresis lives here, not in the detector: the detector says
 * what the cluster looks like now, this decides when that is worth a thread.
 *
 * An evaluation is applied once per tick: a tick at or before the last applied one changes nothing, so
 * a retried or duplicated evaluation job never opens, changes or recovers a warning twice.
 */

export interface WarningCause {
  kind: OnsetKind;
  member: string | null;
  summary: string;
}

export interface Warning {
  /** Opaque and stable: a hash of cluster and onset time (used in Slack metadata, never a label value). */
  id: string;
  cluster: string;
  /** Onset: the first evaluation of the run of suspects that opened it (ISO 8601). */
  since: string;
  openedAt: string;
  /** Every cause seen since it opened, in order of appearance (a second cause or member is added). */
  causes: WarningCause[];
  /** The causes the latest evaluation with suspects saw. */
  current: WarningCause[];
  /** How far over its guideline the worst breached signal was when last reported (value / guideline). */
  reportedRatio: number;
  /** Highest ratio seen while open. */
  peakRatio: number;
  recoveredAt?: string;
  /**
   * When the cluster's previous warning recovered, if that was less than a diagnosis window before this
   * onset: this warning's diagnosis starts there, so the previous fault's evidence is not taken for this one.
   */
  after?: string;
}

export type WatchPhase = 'quiet' | 'suspect' | 'open' | 'recovering';

export interface WatchState {
  phase: WatchPhase;
  /** Unix ms of the last tick applied; 0 before the first. */
  lastTick: number;
  /** Consecutive evaluations with a suspect (phase suspect) or without one (phase recovering). */
  count: number;
  /** Start of the current run: the onset while suspect, the first clear evaluation while recovering. */
  runSince?: string;
  /** Causes seen during the suspect run. */
  pending?: WarningCause[];
  warning?: Warning;
  /** The last warning that recovered, remembered for status and handoffs. */
  last?: Warning;
}

export const QUIET: WatchState = { phase: 'quiet', lastTick: 0, count: 0 };

export interface WatchSettingsView {
  openAfter: number;
  recoverAfter: number;
  /** Worse by this factor (over the ratio last reported) counts as a change worth a reply. */
  worseFactor?: number;
}

export type WatchAction =
  | { kind: 'opened'; warning: Warning }
  | { kind: 'changed'; warning: Warning; added: WarningCause[]; worse: boolean; ratio: number; at: string }
  | { kind: 'recovered'; warning: Warning; durationMs: number };

/** The part of an evaluation the state machine reads (a full WatchEvaluation fits). */
export type EvaluationView = Pick<WatchEvaluation, 'at' | 'suspects' | 'signals'>;

export interface Transition {
  next: WatchState;
  actions: WatchAction[];
  /** False when the tick was applied already: nothing is stored or done. */
  applied: boolean;
}

const DEFAULT_WORSE_FACTOR = 2;

const causeKey = (c: { kind: string; member: string | null }): string => `${c.kind}|${c.member ?? '*'}`;

export function warningId(cluster: string, since: string): string {
  return createHash('sha256').update(`${cluster}|${since}`).digest('hex').slice(0, 20);
}

/** Worst value/guideline over the breached signals that point at a suspect; 0 when none. */
export function severityRatio(ev: EvaluationView): number {
  const ids = new Set(ev.suspects.flatMap((s) => s.signals));
  let worst = 0;
  for (const s of ev.signals) {
    if (!s.breached || !ids.has(s.id) || !(s.guideline > 0)) continue;
    worst = Math.max(worst, s.value / s.guideline);
  }
  return worst;
}

/** An evaluation that could read nothing (Prometheus down) says nothing either way: it neither opens nor recovers. */
export function readable(ev: EvaluationView): boolean {
  return ev.signals.length > 0;
}

export function transition(prev: WatchState, ev: EvaluationView, cluster: string, tick: number, s: WatchSettingsView): Transition {
  if (tick <= prev.lastTick) return { next: prev, actions: [], applied: false };
  const base: WatchState = { ...prev, lastTick: tick };
  if (!readable(ev)) return { next: base, actions: [], applied: true };
  const seen: WarningCause[] = ev.suspects.map((x) => ({ kind: x.kind, member: x.member, summary: x.summary }));
  const ratio = severityRatio(ev);

  switch (prev.phase) {
    case 'quiet':
    case 'suspect': {
      if (seen.length === 0) return { next: withoutRun({ ...base, phase: 'quiet', count: 0 }), actions: [], applied: true };
      const count = prev.phase === 'suspect' ? prev.count + 1 : 1;
      const since = prev.phase === 'suspect' && prev.runSince !== undefined ? prev.runSince : ev.at;
      const pending = union(prev.phase === 'suspect' ? (prev.pending ?? []) : [], seen);
      if (count < s.openAfter) return { next: { ...base, phase: 'suspect', count, runSince: since, pending }, actions: [], applied: true };
      const warning: Warning = {
        id: warningId(cluster, since),
        cluster,
        since,
        openedAt: ev.at,
        // The causes seen now first (the ranking of this evaluation), then any seen earlier in the run.
        causes: union(seen, pending),
        current: seen,
        reportedRatio: ratio,
        peakRatio: ratio,
        ...(prev.last?.recoveredAt === undefined ? {} : { after: prev.last.recoveredAt }),
      };
      return { next: withoutRun({ ...base, phase: 'open', count: 0, warning }), actions: [{ kind: 'opened', warning }], applied: true };
    }
    case 'open':
    case 'recovering': {
      const w = prev.warning;
      // A state without its warning cannot be in these phases; start over rather than fail every tick.
      if (w === undefined) return { next: withoutRun({ ...base, phase: 'quiet', count: 0 }), actions: [], applied: true };
      if (seen.length > 0) {
        const known = new Set(w.causes.map(causeKey));
        const added = seen.filter((c) => !known.has(causeKey(c)));
        const worse = ratio >= w.reportedRatio * (s.worseFactor ?? DEFAULT_WORSE_FACTOR) && w.reportedRatio > 0;
        const warning: Warning = {
          ...w,
          causes: [...w.causes, ...added],
          current: seen,
          peakRatio: Math.max(w.peakRatio, ratio),
          reportedRatio: added.length > 0 || worse ? ratio : w.reportedRatio,
        };
        const next = withoutRun({ ...base, phase: 'open', count: 0, warning });
        if (added.length === 0 && !worse) return { next, actions: [], applied: true };
        return { next, actions: [{ kind: 'changed', warning, added, worse, ratio, at: ev.at }], applied: true };
      }
      const count = prev.phase === 'recovering' ? prev.count + 1 : 1;
      const clearSince = prev.phase === 'recovering' && prev.runSince !== undefined ? prev.runSince : ev.at;
      if (count < s.recoverAfter) return { next: { ...base, phase: 'recovering', count, runSince: clearSince }, actions: [], applied: true };
      // Recovered from the first clear evaluation of the run that lasted: that is when it stopped.
      const recovered: Warning = { ...w, recoveredAt: clearSince };
      const durationMs = Math.max(0, Date.parse(clearSince) - Date.parse(w.since));
      const next: WatchState = { phase: 'quiet', lastTick: tick, count: 0, last: recovered };
      return { next, actions: [{ kind: 'recovered', warning: recovered, durationMs }], applied: true };
    }
  }
}

function withoutRun(s: WatchState): WatchState {
  const { runSince: _r, pending: _p, ...rest } = s;
  return rest;
}

function union(a: WarningCause[], b: WarningCause[]): WarningCause[] {
  const out = [...a];
  const keys = new Set(a.map(causeKey));
  for (const c of b) {
    if (!keys.has(causeKey(c))) {
      keys.add(causeKey(c));
      out.push(c);
    }
  }
  return out;
}
