import type { OnsetKind, WatchEvaluation } from '../../src/diagnosis/onset/types.js';
import { expectedFor } from './expected-verdicts.js';
import type { ScenarioMeta } from './fixture-prometheus.js';

/**
 * What the watch should see arriving in each recorded incident: the causes the full diagnosis must
 * name (test/support/expected-verdicts.ts), as watch kinds on the same members. Derived, not restated,
 * so the watch and the diagnosis are held to one answer.
 */
export interface ExpectedSuspect {
  kind: OnsetKind;
  /** null: any member, or cluster-wide. */
  member: string | null;
}

export type ExpectedOnset = { suspects: ExpectedSuspect[]; alone: boolean } | 'nothing';

const KIND_OF_PLAYBOOK: Record<string, OnsetKind> = {
  disk: 'disk',
  network: 'network',
  resources: 'cpu',
  expensive: 'expensive',
  capacity: 'capacity',
  consensus: 'consensus',
};

export function expectedOnset(name: string, meta: ScenarioMeta): ExpectedOnset {
  const e = expectedFor(name, meta);
  if (e === 'healthy' || 'quiet' in e) return 'nothing';
  return {
    alone: e.alone === true,
    suspects: e.causes.map((c) => {
      const first = [c.cause].flat()[0]!;
      const kind = KIND_OF_PLAYBOOK[first.split('/')[0]!];
      if (!kind) throw new Error(`no watch kind for ${first}`);
      const members = c.members ?? (meta.fault.member ? [meta.fault.member] : 'any');
      return { kind, member: members === 'any' ? null : members[0]! };
    }),
  };
}

/** How soon after the onset the watch must name the cause. */
export const RIGHT_WITHIN_SECONDS = 60;

/**
 * Incidents whose cause etcd's metrics cannot show within that time, and why. The rate of this list is
 * part of the README's table: it is what the watch cannot do, not a tolerance to pass tests.
 */
const LATER: Record<string, { seconds: number; why: string }> = {
  'network-mild-member': {
    seconds: 90,
    why:
      "etcd's prober records a smoothed round trip every 30 s while a peer is healthy: a +20–30 ms delay carries it past 51.2 ms, the first bucket edge past the 50 ms guideline, only 60–75 s into the fault, and no other metric moves",
  },
};

export function rightWithin(name: string): { seconds: number; why?: string } {
  return LATER[name] ?? { seconds: RIGHT_WITHIN_SECONDS };
}

export interface OnsetJudgement {
  right: boolean;
  /** "disk on etcd-2", most severe first; empty when nothing is arriving. */
  named: string[];
  why?: string;
}

/** "disk on etcd-2"; "disk? on etcd-2" while disk and CPU are not told apart yet. */
const show = (s: { kind: string; member: string | null; tentative?: boolean }): string => `${s.kind}${s.tentative ? '?' : ''} on ${s.member ?? 'all members'}`;
const matches = (got: { kind: OnsetKind; member: string | null }, want: ExpectedSuspect): boolean =>
  got.kind === want.kind && (want.member === null || got.member === want.member);

/**
 * Before the onset (and on a healthy cluster) nothing may be suspected. After it, the most severe
 * suspect is one of the expected causes, every expected cause is there, and where the incident has one
 * cause alone, nothing else is named.
 */
export function judgeEvaluation(ev: WatchEvaluation, expected: ExpectedOnset, afterOnset: boolean): OnsetJudgement {
  const named = ev.suspects.map(show);
  if (expected === 'nothing' || !afterOnset) {
    return ev.suspects.length === 0 ? { right: true, named } : { right: false, named, why: `false alarm: ${named.join(' + ')}` };
  }
  const top = ev.suspects[0];
  if (!top) return { right: false, named, why: 'nothing suspected yet' };
  if (!expected.suspects.some((w) => matches(top, w))) return { right: false, named, why: `first suspect ${show(top)}` };
  const lacking = expected.suspects.filter((w) => !ev.suspects.some((s) => matches(s, w)));
  if (lacking.length > 0) return { right: false, named, why: `${lacking.map(show).join(', ')} not suspected` };
  const extra = ev.suspects.filter((s) => !expected.suspects.some((w) => matches(s, w)));
  if (expected.alone && extra.length > 0) return { right: false, named, why: `also ${extra.map(show).join(', ')}` };
  return { right: true, named };
}
