import { describe, expect, it } from 'vitest';
import { buildClusterHandoff, type ClusterHandoffInput } from '../../../src/handoff/build.js';
import { handoffInput } from '../../support/handoff-input.js';
import { watchTimelineEvents } from '../../../src/incidents/watch/watch-timeline.js';
import { QUIET, transition, type WatchAction, type WatchState } from '../../../src/incidents/watch/watch-transition.js';
import { clusterSections } from '../../../src/report/handoff/handoff-lines.js';
import type { OnsetSignal } from '../../../src/diagnosis/onset/types.js';

const T0 = Date.parse('2026-11-30T02:10:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const fsync = (value: number): OnsetSignal => ({ id: 'wal_fsync_p99', member: 'etcd-2', value, guideline: 0.01, unit: 's', breached: value > 0.01 });

/** The warning's timeline events from real transitions: opened at tick 1, recovered after 2 clear ticks. */
function warningEvents(recover: boolean): ReturnType<typeof watchTimelineEvents> {
  let state: WatchState = QUIET;
  const actions: WatchAction[] = [];
  const values = recover ? [0.5, 0.5, 0.004, 0.004] : [0.5, 0.5, 0.5];
  values.forEach((v, i) => {
    const t = transition(
      state,
      { at: iso(T0 + i * 30_000), signals: [fsync(v)], suspects: v > 0.01 ? [{ kind: 'disk', member: 'etcd-2', signals: ['wal_fsync_p99'], summary: 'WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)' }] : [] },
      'prod',
      T0 + i * 30_000,
      { openAfter: 2, recoverAfter: 2 },
    );
    state = t.next;
    actions.push(...t.actions);
  });
  return watchTimelineEvents(actions, 'C0WATCH');
}

const input = (events: ClusterHandoffInput['events']): ClusterHandoffInput => handoffInput(T0 - 3600_000, T0 + 3600_000, { events });

const style = { bold: (s: string) => s, esc: (s: string) => s, code: (s: string) => s, link: (_u: string, l: string) => l, user: (u: string) => u, group: (g: string) => g, time: (t: string) => `${t.slice(11, 16)} UTC` };

describe('warnings in the handoff', () => {
  it('a recovered warning is listed with its onset and recovery; the shift is not quiet, nothing stays open', () => {
    const h = buildClusterHandoff(input(warningEvents(true)));
    expect(h.quiet).toBe(false);
    expect(h.warnings).toEqual([
      { warning_id: expect.any(String), since: iso(T0), status: 'recovered', recovered_at: iso(T0 + 60_000), causes: ['WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)'] },
    ]);
    expect(h.nothing_outstanding).toBe(true);
    const section = clusterSections(h, style as never).find((s) => s.title === 'Early warnings (watch)');
    expect(section?.lines).toEqual(['✅ since 02:10 UTC, recovered at 02:11 UTC: WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)']);
  });

  it('a warning still open is an open item', () => {
    const h = buildClusterHandoff(input(warningEvents(false)));
    expect(h.warnings[0]?.status).toBe('open');
    expect(h.open_items).toEqual([{ kind: 'warning', warning: h.warnings[0]!.warning_id, text: 'early warning open since 02:10 UTC: WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)' }]);
    expect(h.nothing_outstanding).toBe(false);
  });
});
