import { describe, expect, it } from 'vitest';
import type { Warning } from '../../../src/incidents/watch/watch-transition.js';
import { watchParentMessage, watchReplyMessage } from '../../../src/report/watch/watch-thread.js';

const w: Warning = {
  id: 'abc',
  cluster: 'prod',
  since: '2026-11-30T14:02:10.000Z',
  openedAt: '2026-11-30T14:02:40.000Z',
  causes: [{ kind: 'disk', member: 'etcd-2', summary: 'WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)' }],
  current: [{ kind: 'disk', member: 'etcd-2', summary: 'WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)' }],
  reportedRatio: 51.2,
  peakRatio: 51.2,
};

describe('watch thread messages', () => {
  it('the parent names what arrives, since when, and that no alert fired; it changes only with what was reported', () => {
    const m = watchParentMessage({ warning: w, alertsAtOpen: 0, windowSeconds: 300 });
    expect(m.text).toBe('👀 prod — WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms) since 14:02 UTC — no alert has fired yet');
    expect(JSON.stringify(m.blocks)).toContain('worst signal 51× its guideline');
    // A higher peak that was not reported as a change leaves the parent as it is: no edit.
    expect(watchParentMessage({ warning: { ...w, peakRatio: 90 }, alertsAtOpen: 0, windowSeconds: 300 })).toEqual(m);
    expect(watchParentMessage({ warning: { ...w, reportedRatio: 120 }, alertsAtOpen: 0, windowSeconds: 300 })).not.toEqual(m);
    expect(watchParentMessage({ warning: w, alertsAtOpen: 2, windowSeconds: 300 }).text).toContain('2 alert groups already firing');
  });

  it('recovered: "recovered after N min" with the span, no ratio', () => {
    const m = watchParentMessage({ warning: { ...w, recoveredAt: '2026-11-30T14:08:10.000Z' }, alertsAtOpen: 0, windowSeconds: 300 });
    expect(m.text).toBe('✅ prod — recovered after 6 min: WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms) (from 14:02 UTC to 14:08 UTC) — no alert has fired yet');
    expect(JSON.stringify(m.blocks)).not.toContain('worst signal');
  });

  it('a change reply says what is new and how much worse', () => {
    const r = watchReplyMessage(
      { kind: 'changed', at: '2026-11-30T14:05:00.000Z', added: [{ kind: 'cpu', member: 'etcd-3', summary: 'node CPU pressure 90% on etcd-3 (guideline 30%)' }], worse: true, ratio: 120, previousRatio: 51.2 },
      w,
      undefined,
    );
    expect(r.text).toBe('🔺 Changed at 14:05 UTC:\n• now also: node CPU pressure 90% on etcd-3 (guideline 30%)\n• markedly worse: the worst signal is 120× its guideline (was 51×)');
  });
});
