import { describe, expect, it } from 'vitest';
import type { WatchEvaluation } from '../../../src/diagnosis/onset/types.js';
import { QUIET } from '../../../src/incidents/watch-transition.js';
import { statusLine } from '../../../src/report/status-lines.js';

const NOW = Date.parse('2026-11-30T03:00:00Z');
const evaluation = (over: Partial<WatchEvaluation> = {}): WatchEvaluation => ({
  cluster: 'prod',
  at: new Date(NOW - 20_000).toISOString(),
  suspects: [],
  leader: 'etcd-1',
  members: [
    { member: 'etcd-1', up: true, leader: true },
    { member: 'etcd-2', up: true, leader: false },
    { member: 'etcd-3', up: false, leader: false },
  ],
  slowest: { id: 'wal_fsync_p99', member: 'etcd-2', value: 0.004, guideline: 0.01, unit: 's', breached: false },
  signals: [{ id: 'wal_fsync_p99', member: 'etcd-2', value: 0.004, guideline: 0.01, unit: 's', breached: false }],
  db: [{ member: 'etcd-3', sizeBytes: 512 * 2 ** 20, quotaBytes: 2 * 2 ** 30 }],
  queries: 6,
  missing: [],
  ...over,
});
const base = { cluster: 'prod', watched: true, intervalSeconds: 30, state: QUIET, openAlerts: 0, now: NOW };

describe('status line', () => {
  it('a watched cluster: leader, members up, slowest signal against its guideline, database against its quota', () => {
    expect(statusLine({ ...base, evaluation: evaluation() })).toBe(
      '🔴 *prod* · leader etcd-1 · 2/3 up · slowest WAL fsync p99 4 ms on etcd-2 (guideline 10 ms) · db 512 MiB of 2 GiB (25%) on etcd-3',
    );
    const allUp = evaluation().members.map((m) => ({ ...m, up: true }));
    expect(statusLine({ ...base, evaluation: evaluation({ members: allUp }) }).startsWith('🟢 *prod* · leader etcd-1 · 3/3 up · ')).toBe(true);
  });

  it('an open warning and firing alerts lead the line', () => {
    const state = { ...QUIET, phase: 'open' as const, warning: { id: 'w', cluster: 'prod', since: '2026-11-30T02:52:10.000Z', openedAt: '2026-11-30T02:52:40.000Z', causes: [{ kind: 'disk' as const, member: 'etcd-2', summary: 'WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)' }], current: [], reportedRatio: 51, peakRatio: 51 } };
    const line = statusLine({ ...base, state, openAlerts: 2, evaluation: evaluation() });
    expect(line.startsWith('🔴 *prod* · ⚠️ warning since 02:52 UTC: WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms) · leader etcd-1')).toBe(true);
    expect(line.endsWith(' · 🔔 2 alert groups firing')).toBe(true);
  });

  it('says when it knows nothing: not watched, no evaluation yet, stale, or Prometheus unreadable', () => {
    expect(statusLine({ ...base, watched: false })).toBe('⚪ *prod* · not watched');
    expect(statusLine({ ...base })).toBe('⚪ *prod* · watched, no evaluation yet');
    expect(statusLine({ ...base, evaluation: evaluation({ at: new Date(NOW - 12 * 60_000).toISOString() }) })).toBe('⚪ *prod* · no evaluation for 12 min');
    expect(statusLine({ ...base, evaluation: evaluation({ signals: [], slowest: null, missing: ['Prometheus did not answer (connection refused)'] }) })).toBe(
      '⚪ *prod* · Prometheus gave nothing to read (Prometheus did not answer (connection refused))',
    );
  });

  it('no leader is said in bold', () => {
    expect(statusLine({ ...base, evaluation: evaluation({ leader: null }) })).toContain(' · leader *none* · ');
  });
});
