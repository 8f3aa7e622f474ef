import type { Diagnosis } from '../../src/diagnosis/types.js';
import type { ScenarioMeta } from './fixture-prometheus.js';

/**
 * What each recorded incident should be diagnosed as: its causes ("playbook/cause") in rank order, each
 * on the faulted member unless marked cluster-wide. Shared by the recorded-incident tests and the
 * accuracy table (test/bench/accuracy.ts), so both judge by the same answer.
 */
export interface ExpectedCause {
  /** "playbook/cause", or several that all name the same root (CPU starvation or contention). */
  cause: string | string[];
  /** Members to name; default: the scenario's faulted member (fault.member in scenario.json). */
  members?: string[] | 'any';
}
/**
 * healthy: nothing named, nothing above guideline. quiet: no cause named and judged healthy (signals
 * just above a line that slow nothing may remain), and the listed findings reported as information only.
 */
export type Expected =
  | {
      causes: ExpectedCause[];
      /** No root cause beside these (the busy node's marginal timings, if any, only as information). */
      alone?: true;
      /**
       * Until this many seconds after the onset, "slow disk or CPU starvation, not yet distinguishable"
       * on the faulted member is an accepted first answer (the evidence that separates them is not
       * there yet); from then on only the expected causes are.
       */
      notYetDistinguishableUntil?: number;
    }
  | 'healthy'
  | { quiet: true; information: string[] };

const CPU: ExpectedCause = { cause: ['resources/cpu-starved', 'resources/cpu-contention'] };

const BY_KIND: Record<string, Expected> = {
  disk: { causes: [{ cause: 'disk/slow-disk' }] },
  network: { causes: [{ cause: 'network/slow-network' }] },
  cpu: { causes: [CPU] },
  expensive: { causes: [{ cause: 'expensive/expensive-reads', members: 'any' }] },
  capacity: { causes: [{ cause: 'capacity/write-overload', members: 'any' }] },
  none: 'healthy',
};

/** Scenarios whose answer is not the one of their fault kind alone. */
const BY_SCENARIO: Record<string, Expected> = {
  'busy-healthy-fragmented': { quiet: true, information: ['database/fragmented on etcd-3'] },
  // Reads of 58 MiB/s put every member's range p99 past 0.5-2.5 s; the follower's slow disk adds
  // 256 ms+ to its own fsyncs: the reads cost clients more.
  'disk-slow-with-expensive': { causes: [{ cause: 'expensive/expensive-reads', members: 'any' }, { cause: 'disk/slow-disk' }] },
  // The shared host's CPU pressure (0.93) keeps etcd-3's commits one bucket past 25 ms, as in the
  // baseline before the fault (79 ms then): the busy node's, not a second cause.
  'disk-slow-leader': { causes: [{ cause: 'disk/slow-disk' }], alone: true },
  // The delay proxy on the shared host raised its CPU pressure from 0.60 to 0.86: fsyncs and commits a
  // bucket past their lines on every member, the disk of none.
  'network-mild-member': { causes: [{ cause: 'network/slow-network' }], alone: true },
  // Nice 10 never costs a scrape, fsyncs stay far from filling the member's time, and the round trips
  // toward it (a smoothed average) pass 51.2 ms only about 2 minutes after the onset.
  'cpu-starved-follower-long': { causes: [CPU], notYetDistinguishableUntil: 120 },
  // The slow disk with the node's device counters: the device stayed quiet (the delay is in the
  // syscall), which qualifies the verdict's words, not the verdict; the others' fsyncs a bucket past
  // the line on the busy host are information only.
  'disk-slow-follower-node': { causes: [{ cause: 'disk/slow-disk' }], alone: true },
};

/**
 * Seconds after the onset from which each incident's verdict is right and stays right to the end of
 * the fault (test/integration/diagnosis/early-verdicts.test.ts holds it, every 30 s); 30 unless listed.
 * The mild delay shows in the prober's smoothed round trips only from 90-120 s on (3 ms, then 18, 41,
 * 55 ms at 30, 60, 90 s): before that the evidence is under the guideline and the cluster is judged
 * healthy; at 90 s the busy host's commits one bucket past their line still stand beside it.
 */
const RIGHT_FROM: Record<string, number> = { 'network-mild-member': 120 };

export const rightFrom = (name: string): number => RIGHT_FROM[name] ?? 30;

export function expectedFor(name: string, meta: ScenarioMeta): Expected {
  const e = BY_SCENARIO[name] ?? BY_KIND[meta.fault.kind];
  if (!e) throw new Error(`no expected verdict for ${name} (fault kind ${meta.fault.kind})`);
  return e;
}

export const KNOWN_FAULT_KINDS = Object.keys(BY_KIND);

export interface Judgement {
  right: boolean;
  /** What was named, "playbook/cause on members", most likely first. */
  named: string[];
  /** Why it is wrong, when it is. */
  why?: string;
  /** Right only as "not yet distinguishable", where that is accepted this early. */
  tentative?: true;
}

const ref = (c: { playbook: string; cause: string }): string => `${c.playbook}/${c.cause}`;

const NOT_YET = 'disk/disk-or-cpu';

/**
 * Whether a diagnosis gives the expected answer: the causes in rank order on the right members.
 * `after`: seconds after the onset the diagnosis was made, for answers accepted only early on.
 */
export function judge(d: Diagnosis, expected: Expected, meta: ScenarioMeta, after?: number): Judgement {
  const named = d.causes.map((c) => `${ref(c)} on ${c.members.join(', ') || 'all members'}`);
  if (typeof expected === 'object' && 'quiet' in expected) {
    if (d.causes.length > 0) return { right: false, named, why: `named ${named[0]}` };
    if (!d.healthy) return { right: false, named, why: `not healthy: ${d.headline}` };
    const info = (d.information ?? []).map((c) => `${ref(c)} on ${c.members.join(', ')}`);
    const lacking = expected.information.filter((i) => !info.includes(i));
    if (lacking.length > 0) return { right: false, named, why: `${lacking.join(', ')} not reported as information` };
    return { right: true, named: info.map((i) => `(information) ${i}`) };
  }
  if (expected === 'healthy') {
    if (d.causes.length > 0) return { right: false, named, why: `named ${named[0]}` };
    if (!d.healthy) return { right: false, named, why: `not healthy: ${d.headline}` };
    return { right: true, named };
  }
  const first = d.causes[0];
  if (
    expected.notYetDistinguishableUntil !== undefined &&
    after !== undefined &&
    after < expected.notYetDistinguishableUntil &&
    first !== undefined &&
    ref(first) === NOT_YET &&
    meta.fault.member !== null &&
    first.members.join(',') === meta.fault.member
  ) {
    return { right: true, named, tentative: true };
  }
  for (const [i, want] of expected.causes.entries()) {
    const got = d.causes[i];
    const accepted = Array.isArray(want.cause) ? want.cause : [want.cause];
    if (!got || !accepted.includes(ref(got))) return { right: false, named, why: `cause ${i + 1} should be ${accepted.join(' or ')}` };
    const members = want.members ?? (meta.fault.member ? [meta.fault.member] : 'any');
    if (members !== 'any' && got.members.join(',') !== members.join(',')) {
      return { right: false, named, why: `${ref(got)} should be on ${members.join(', ')}` };
    }
  }
  const extra = named.slice(expected.causes.length);
  if (expected.alone && extra.length > 0) return { right: false, named, why: `also named ${extra.join(', ')}` };
  return { right: true, named };
}
