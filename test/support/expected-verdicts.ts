import type { Diagnosis } from '../../src/diagnosis/types.js';
import type { ScenarioMeta } from './fixture-prometheus.js';

/**
 * What each recorded incident should be diagnosed as: its causes ("playbook/cause") in rank order, each
 * on the faulted member unless marked cluster-wide. Shared by the recorded-incident tests and the
 * accuracy table (test/bench/accuracy.ts), so both judge by the same answer.
 */
export interface ExpectedCause {
  cause: string;
  /** Members to name; default: the scenario's faulted member (fault.member in scenario.json). */
  members?: string[] | 'any';
}
export type Expected = { causes: ExpectedCause[] } | 'healthy';

const BY_KIND: Record<string, Expected> = {
  disk: { causes: [{ cause: 'disk/slow-disk' }] },
  network: { causes: [{ cause: 'network/slow-network' }] },
  cpu: { causes: [{ cause: 'resources/cpu-starved' }] },
  expensive: { causes: [{ cause: 'expensive/expensive-reads', members: 'any' }] },
  capacity: { causes: [{ cause: 'capacity/write-overload', members: 'any' }] },
  none: 'healthy',
};

/** Scenarios whose answer is not the one of their fault kind alone. */
const BY_SCENARIO: Record<string, Expected> = {};

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
}

const ref = (c: { playbook: string; cause: string }): string => `${c.playbook}/${c.cause}`;

/** Whether a diagnosis gives the expected answer: the causes in rank order on the right members. */
export function judge(d: Diagnosis, expected: Expected, meta: ScenarioMeta): Judgement {
  const named = d.causes.map((c) => `${ref(c)} on ${c.members.join(', ') || 'all members'}`);
  if (expected === 'healthy') {
    if (d.causes.length > 0) return { right: false, named, why: `named ${named[0]}` };
    if (!d.healthy) return { right: false, named, why: `not healthy: ${d.headline}` };
    return { right: true, named };
  }
  for (const [i, want] of expected.causes.entries()) {
    const got = d.causes[i];
    if (!got || ref(got) !== want.cause) return { right: false, named, why: `cause ${i + 1} should be ${want.cause}` };
    const members = want.members ?? (meta.fault.member ? [meta.fault.member] : 'any');
    if (members !== 'any' && got.members.join(',') !== members.join(',')) {
      return { right: false, named, why: `${want.cause} should be on ${members.join(', ')}` };
    }
  }
  return { right: true, named };
}
