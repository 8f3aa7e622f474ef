import { describe, expect, it } from 'vitest';
import type { WatchEvaluation } from '../../../src/diagnosis/onset/types.js';
import { QUIET } from '../../../src/incidents/watch/watch-transition.js';
import { watchStatusLine } from '../../../src/report/watch/watch-status.js';

const NOW = Date.parse('2026-11-30T03:00:00Z');
const evaluation = (over: Partial<WatchEvaluation> = {}): WatchEvaluation => ({
  cluster: 'prod',
  at: new Date(NOW - 20_000).toISOString(),
  suspects: [],
  leader: 'etcd-1',
  members: ['etcd-1', 'etcd-2', 'etcd-3'].map((member) => ({ member, up: true, leader: member === 'etcd-1' })),
  slowest: { id: 'wal_fsync_p99', member: 'etcd-2', value: 0.004, guideline: 0.01, unit: 's', breached: false },
  signals: [{ id: 'wal_fsync_p99', member: 'etcd-2', value: 0.004, guideline: 0.01, unit: 's', breached: false }],
  db: [{ member: 'etcd-3', sizeBytes: 512 * 2 ** 20, quotaBytes: 2 * 2 ** 30 }],
  queries: 6,
  missing: [],
  ...over,
});
const base = { cluster: 'prod', watched: true, intervalSeconds: 30, state: QUIET, openAlerts: 0, now: NOW };

describe('watch status line (Slack)', () => {
  it('a fresh evaluation: the status line of etcd-triage status, the name in bold', () => {
    const line = watchStatusLine({ ...base, evaluation: evaluation() });
    expect(line.startsWith('✅ *prod*  ok · leader etcd-1 · ')).toBe(true);
    expect(line).toContain('db 512 MiB/2 GiB (25%)');
  });

  it('an open warning and firing alerts are counted, with the onset of the warning', () => {
    const warning = { id: 'w', cluster: 'prod', since: '2026-11-30T02:52:10.000Z', openedAt: '2026-11-30T02:52:40.000Z', causes: [], current: [], reportedRatio: 51, peakRatio: 51 };
    const ev = evaluation({ suspects: [{ kind: 'disk', member: 'etcd-2', signals: ['wal_fsync_p99'], summary: 'WAL fsync p99 ≥ 512 ms on etcd-2' }] });
    const line = watchStatusLine({ ...base, state: { ...QUIET, phase: 'open', warning }, openAlerts: 2, evaluation: ev });
    expect(line.startsWith('🟠 *prod*  disk on etcd-2 · leader etcd-1 · ')).toBe(true);
    expect(line.endsWith(' · 2 incidents, 1 warning open (warning since 02:52 UTC)')).toBe(true);
  });

  it('says when it knows nothing: not watched, no evaluation yet, stale', () => {
    expect(watchStatusLine({ ...base, watched: false })).toBe('⚪ *prod*  not watched');
    expect(watchStatusLine({ ...base, watched: false, openAlerts: 1 })).toBe('⚪ *prod*  not watched · 1 incident open');
    expect(watchStatusLine({ ...base })).toBe('⚪ *prod*  watched, no evaluation yet');
    expect(watchStatusLine({ ...base, evaluation: evaluation({ at: new Date(NOW - 12 * 60_000).toISOString() }) })).toBe('⚪ *prod*  no evaluation for 12 min');
  });

  it('cluster names are escaped like any outside text', () => {
    expect(watchStatusLine({ ...base, cluster: 'a<b>', watched: false })).toBe('⚪ *a&lt;b&gt;*  not watched');
  });
});
