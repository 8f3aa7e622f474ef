import { describe, expect, it } from 'vitest';
import type { OnsetKind, OnsetSignal, OnsetSuspect } from '../../../src/diagnosis/onset/types.js';
import { QUIET, transition, type EvaluationView, type WatchState } from '../../../src/incidents/watch/watch-transition.js';

const T0 = Date.parse('2026-11-30T14:02:00Z');
const STEP = 30_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const S = { openAfter: 2, recoverAfter: 4 };

const signal = (id: string, member: string | null, value: number, guideline: number): OnsetSignal => ({
  id,
  member,
  value,
  guideline,
  unit: 's',
  breached: value > guideline,
});
const suspect = (kind: OnsetKind, member: string | null, signals: string[]): OnsetSuspect => ({
  kind,
  member,
  signals,
  summary: `${kind} on ${member ?? 'all'}`,
});

/** An evaluation at tick i: the disk of etcd-2 at `fsync` seconds (guideline 10 ms), plus any suspects given. */
function ev(i: number, fsync: number | null, extra: { suspects?: OnsetSuspect[]; signals?: OnsetSignal[] } = {}): [EvaluationView, number] {
  const signals = [signal('wal_fsync_p99', 'etcd-2', fsync ?? 0.004, 0.01), ...(extra.signals ?? [])];
  const suspects = [...(fsync !== null && fsync > 0.01 ? [suspect('disk', 'etcd-2', ['wal_fsync_p99'])] : []), ...(extra.suspects ?? [])];
  return [{ at: iso(T0 + i * STEP), suspects, signals }, T0 + i * STEP];
}
const unreadable = (i: number): [EvaluationView, number] => [{ at: iso(T0 + i * STEP), suspects: [], signals: [] }, T0 + i * STEP];

/** Runs evaluations in order and collects every action kind with its tick index. */
function run(evals: [EvaluationView, number][], settings = S, from: WatchState = QUIET): { state: WatchState; actions: string[] } {
  let state = from;
  const actions: string[] = [];
  evals.forEach(([e, tick], i) => {
    const t = transition(state, e, 'prod', tick, settings);
    state = t.next;
    for (const a of t.actions) actions.push(`${i}:${a.kind}`);
  });
  return { state, actions };
}

describe('watch warning state machine', () => {
  it('a healthy cluster stays quiet and nothing is posted', () => {
    const r = run([0, 1, 2, 3, 4].map((i) => ev(i, 0.004)));
    expect(r.actions).toEqual([]);
    expect(r.state.phase).toBe('quiet');
    expect(r.state.lastTick).toBe(T0 + 4 * STEP);
  });

  it('one evaluation with a suspect is not enough: the warning opens on the second in a row, dated from the first', () => {
    let t = transition(QUIET, ...pair(ev(0, 0.5)));
    expect(t.actions).toEqual([]);
    expect(t.next).toMatchObject({ phase: 'suspect', count: 1, runSince: iso(T0) });
    t = transition(t.next, ...pair(ev(1, 0.5)));
    expect(t.actions).toHaveLength(1);
    const a = t.actions[0]!;
    expect(a.kind).toBe('opened');
    expect(a.warning).toMatchObject({ since: iso(T0), openedAt: iso(T0 + STEP), causes: [{ kind: 'disk', member: 'etcd-2' }] });
    expect(a.warning.reportedRatio).toBeCloseTo(50);
    expect(t.next.phase).toBe('open');
  });

  it('a blip between healthy evaluations opens nothing', () => {
    const r = run([ev(0, 0.004), ev(1, 0.5), ev(2, 0.004), ev(3, 0.5), ev(4, 0.004)]);
    expect(r.actions).toEqual([]);
    expect(r.state.phase).toBe('quiet');
  });

  it('openAfter 1 opens on the first evaluation; openAfter 3 on the third', () => {
    expect(run([ev(0, 0.5)], { openAfter: 1, recoverAfter: 4 }).actions).toEqual(['0:opened']);
    expect(run([ev(0, 0.5), ev(1, 0.5), ev(2, 0.5)], { openAfter: 3, recoverAfter: 4 }).actions).toEqual(['2:opened']);
  });

  it('the same tick applied twice (a retried job) changes nothing and acts once', () => {
    const first = run([ev(0, 0.5), ev(1, 0.5)]);
    const again = transition(first.state, ...pair(ev(1, 0.5)));
    expect(again.applied).toBe(false);
    expect(again.actions).toEqual([]);
    expect(again.next).toBe(first.state);
    // An older tick arriving late is ignored too.
    expect(transition(first.state, ...pair(ev(0, 0.5))).applied).toBe(false);
  });

  it('nothing changed while open: no action; a second cause or another member: one change each', () => {
    const cpu = { suspects: [suspect('cpu', 'etcd-3', ['cpu_pressure'])], signals: [signal('cpu_pressure', 'etcd-3', 0.9, 0.3)] };
    const r = run([ev(0, 0.5), ev(1, 0.5), ev(2, 0.5), ev(3, 0.6), ev(4, 0.5, cpu), ev(5, 0.5, cpu)]);
    expect(r.actions).toEqual(['1:opened', '4:changed']);
    expect(r.state.warning?.causes.map((c) => `${c.kind}@${c.member}`)).toEqual(['disk@etcd-2', 'cpu@etcd-3']);
  });

  it('markedly worse (twice the ratio last reported) is a change; creeping worse is not', () => {
    const r = run([ev(0, 0.05), ev(1, 0.05), ev(2, 0.08), ev(3, 0.099), ev(4, 0.11), ev(5, 0.15), ev(6, 0.21)]);
    // Reported at 5× (0.05 s); 0.11 s is 11× (≥ 2× 5×): one change; the next report needs 22×.
    expect(r.actions).toEqual(['1:opened', '4:changed']);
    expect(r.state.warning?.reportedRatio).toBeCloseTo(11);
    expect(r.state.warning?.peakRatio).toBeCloseTo(21);
  });

  it('recovers after recoverAfter clear evaluations in a row, dated from the first clear one', () => {
    const evals = [ev(0, 0.5), ev(1, 0.5), ev(2, 0.5), ev(3, 0.004), ev(4, 0.004), ev(5, 0.004), ev(6, 0.004)];
    let state = QUIET;
    let recovered;
    for (const e of evals) {
      const t = transition(state, ...pair(e));
      state = t.next;
      recovered ??= t.actions.find((a) => a.kind === 'recovered');
    }
    expect(recovered).toMatchObject({ kind: 'recovered', durationMs: 3 * STEP, warning: { recoveredAt: iso(T0 + 3 * STEP) } });
    expect(state.phase).toBe('quiet');
    expect(state.warning).toBeUndefined();
    expect(state.last?.recoveredAt).toBe(iso(T0 + 3 * STEP));
  });

  it('a relapse while recovering keeps the same warning open and posts nothing', () => {
    const r = run([ev(0, 0.5), ev(1, 0.5), ev(2, 0.004), ev(3, 0.004), ev(4, 0.5), ev(5, 0.004), ev(6, 0.004), ev(7, 0.004)]);
    expect(r.actions).toEqual(['1:opened']);
    expect(r.state).toMatchObject({ phase: 'recovering', count: 3 });
  });

  it('after recovery a new onset opens a new warning with a new id', () => {
    const seq = [ev(0, 0.5), ev(1, 0.5), ev(2, 0.004), ev(3, 0.004), ev(4, 0.004), ev(5, 0.004), ev(6, 0.5), ev(7, 0.5)];
    let state = QUIET;
    const ids: string[] = [];
    for (const e of seq) {
      const t = transition(state, ...pair(e));
      state = t.next;
      for (const a of t.actions) if (a.kind === 'opened') ids.push(a.warning.id);
    }
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(state.last).toBeDefined();
  });

  it('evaluations that read nothing (Prometheus down) neither open, count, nor recover', () => {
    expect(run([ev(0, 0.5), unreadable(1), ev(2, 0.5)]).actions).toEqual(['2:opened']);
    expect(run([unreadable(0), unreadable(1), unreadable(2)]).state.phase).toBe('quiet');
    const open = run([ev(0, 0.5), ev(1, 0.5), unreadable(2), unreadable(3), unreadable(4), unreadable(5), unreadable(6)]);
    expect(open.actions).toEqual(['1:opened']);
    expect(open.state.phase).toBe('open');
    expect(open.state.lastTick).toBe(T0 + 6 * STEP);
  });

  it('the warning id is stable for one cluster and onset, different across clusters', () => {
    const a = run([ev(0, 0.5), ev(1, 0.5)]).state.warning!.id;
    const b = run([ev(0, 0.5), ev(1, 0.5)]).state.warning!.id;
    expect(a).toBe(b);
    let other = QUIET;
    for (const e of [ev(0, 0.5), ev(1, 0.5)]) other = transition(other, e[0], 'staging', e[1], S).next;
    expect(other.warning!.id).not.toBe(a);
  });
});

function pair(e: [EvaluationView, number]): [EvaluationView, string, number, typeof S] {
  return [e[0], 'prod', e[1], S];
}
