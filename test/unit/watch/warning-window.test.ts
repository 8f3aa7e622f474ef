import { describe, expect, it } from 'vitest';
import { warningWindowSeconds } from '../../../src/jobs/watch/thread.js';
import { QUIET, transition, type EvaluationView, type Warning } from '../../../src/incidents/watch/watch-transition.js';

const T0 = Date.parse('2026-11-30T23:14:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const S = { openAfter: 2, recoverAfter: 2 };

/** An evaluation at T0 + s seconds: etcd-2's disk slow, or its links, or nothing. */
function ev(s: number, kind: 'disk' | 'network' | null): [EvaluationView, number] {
  const suspects = kind === null ? [] : [{ kind, member: 'etcd-2', signals: ['x'], summary: `${kind} on etcd-2` }];
  return [{ at: iso(T0 + s * 1000), suspects, signals: [{ id: 'x', member: 'etcd-2', value: kind === null ? 0 : 1, guideline: 0.5, unit: 's', breached: kind !== null }] }, T0 + s * 1000];
}

describe("a warning's diagnosis window", () => {
  it('a first warning looks back 3 minutes before its onset, at least 5 minutes in all', () => {
    const w = { since: iso(T0), openedAt: iso(T0 + 10_000) } as Warning;
    expect(warningWindowSeconds(w)).toBe(300);
    expect(warningWindowSeconds({ ...w, openedAt: iso(T0 + 200_000) })).toBe(380);
  });

  it('a warning soon after another recovered starts at that recovery: the slow disk before is not this network fault', () => {
    // Disk from 0 s, recovered at 90 s; links slow from 190 s: opened at 220 s.
    let state = QUIET;
    const seen: Warning[] = [];
    for (const [e, tick] of [ev(0, 'disk'), ev(30, 'disk'), ev(60, 'disk'), ev(90, null), ev(120, null), ev(190, 'network'), ev(220, 'network')]) {
      const t = transition(state, e, 'lab', tick, S);
      state = t.next;
      for (const a of t.actions) if (a.kind === 'opened') seen.push(a.warning);
    }
    expect(seen.map((w) => w.causes[0]!.kind)).toEqual(['disk', 'network']);
    expect(seen[0]!.after).toBeUndefined();
    expect(seen[1]!.after).toBe(iso(T0 + 90_000));
    // 220 s - 90 s: the window ends at the opening and reaches back to the recovery, not 5 minutes.
    expect(warningWindowSeconds(seen[1]!)).toBe(130);
    // Right after a recovery, still two 30 s rates' worth.
    expect(warningWindowSeconds({ ...seen[1]!, after: iso(T0 + 200_000) })).toBe(60);
    // A recovery long before changes nothing.
    expect(warningWindowSeconds({ ...seen[1]!, after: iso(T0 - 3_600_000) })).toBe(300);
  });
});
