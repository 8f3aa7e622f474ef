import { describe, expect, it } from 'vitest';
import type { WatchEvaluation } from '../../../src/diagnosis/onset/types.js';
import { statusLines } from '../../../src/report/status/status-lines.js';
import { statusBlocks } from '../../../src/report/status/status-slack.js';

/** Evaluations shaped as evaluateOnset returns them (the integration tests produce real ones). */
function evaluation(over: Partial<WatchEvaluation> = {}): WatchEvaluation {
  return {
    cluster: 'prod',
    at: '2026-11-21T16:05:50.000Z',
    suspects: [],
    leader: 'etcd-3',
    members: ['etcd-1', 'etcd-2', 'etcd-3'].map((m) => ({ member: m, up: true, leader: m === 'etcd-3' })),
    slowest: { id: 'wal_fsync_p99', member: 'etcd-1', value: 0.0061, guideline: 0.01, unit: 's', breached: false, range: { low: 0.004, high: 0.008 } },
    signals: [],
    db: [
      { member: 'etcd-3', sizeBytes: 180 * 2 ** 20, quotaBytes: 2 * 2 ** 30 },
      { member: 'etcd-1', sizeBytes: 20 * 2 ** 20, quotaBytes: 2 * 2 ** 30 },
    ],
    queries: 6,
    missing: [],
    ...over,
  };
}

const slowDisk = evaluation({
  suspects: [
    { kind: 'disk', member: 'etcd-2', signals: ['wal_fsync_p99', 'wal_fsync_mean'], summary: 'WAL fsync p99 ≥ 1.02 s on etcd-2 (guideline 10 ms), mean 1.2 s' },
    { kind: 'consensus', member: null, signals: ['leader_changes'], summary: '…' },
  ],
  slowest: { id: 'wal_fsync_p99', member: 'etcd-2', value: 1.024, guideline: 0.01, unit: 's', bound: true, breached: true, range: { low: 1.024, high: 2.048 } },
});

describe('status lines', () => {
  it('one line per cluster: health, leader, slowest signal vs its guideline, largest database vs quota', () => {
    expect(statusLines([evaluation()])).toEqual(['✅ prod  ok · leader etcd-3 · WAL fsync p99 6.1 ms etcd-1 (10 ms) · db 180 MiB/2 GiB (9%) etcd-3']);
    expect(statusLines([slowDisk])).toEqual(['🟠 prod  disk on etcd-2 (+1 more) · leader etcd-3 · WAL fsync p99 ≥ 1.02 s etcd-2 (10 ms) · db 180 MiB/2 GiB (9%) etcd-3']);
  });

  it('a suspect whose kind may still change says so', () => {
    const onset = evaluation({ suspects: [{ kind: 'disk', member: 'etcd-2', signals: ['wal_fsync_p99'], summary: '…', tentative: true }] });
    expect(statusLines([onset])[0]).toMatch(/^🟠 prod {2}disk or cpu on etcd-2 · leader etcd-3 · /);
  });

  it('a p99 in the bucket that holds its guideline reads as that bucket, not as a number past the line', () => {
    const ev = evaluation({ slowest: { id: 'peer_rtt_p99', member: 'etcd-1', peer: 'etcd-3', value: 0.0507, guideline: 0.05, unit: 's', breached: false, range: { low: 0.0256, high: 0.0512 } } });
    expect(statusLines([ev])[0]).toContain('peer RTT p99 25.6–51.2 ms etcd-1→etcd-3 (50 ms)');
  });

  it('members down, no leader, open incidents and warnings', () => {
    const ev = evaluation({ leader: null, members: [{ member: 'etcd-1', up: true, leader: false }, { member: 'etcd-2', up: false, leader: false }] });
    expect(statusLines([ev], { prod: { openIncidents: 2, openWarnings: 1 } })[0]).toBe(
      '✅ prod  ok · no leader, etcd-2 down · WAL fsync p99 6.1 ms etcd-1 (10 ms) · db 180 MiB/2 GiB (9%) etcd-3 · 2 incidents, 1 warning open',
    );
  });

  it('a Prometheus that cannot be read says so instead of claiming health', () => {
    const down = evaluation({ members: [], leader: null, slowest: null, db: [], queries: 1, missing: ['up, is_leader: cannot reach http://prom:9090: ECONNREFUSED', 'wal_fsync_p99: the members could not be read'] });
    expect(statusLines([down], { prod: { openWarnings: 1 } })).toEqual(['❔ prod  Prometheus unreachable: cannot reach http://prom:9090: ECONNREFUSED · 1 warning open']);
  });

  it('Slack: the same lines, the cluster in bold, names escaped', () => {
    const blocks = statusBlocks([slowDisk, evaluation({ cluster: 'a<b>&c' })]);
    expect(blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            '🟠 *prod*  disk on etcd-2 (+1 more) · leader etcd-3 · WAL fsync p99 ≥ 1.02 s etcd-2 (10 ms) · db 180 MiB/2 GiB (9%) etcd-3\n' +
            '✅ *a&lt;b&gt;&amp;c*  ok · leader etcd-3 · WAL fsync p99 6.1 ms etcd-1 (10 ms) · db 180 MiB/2 GiB (9%) etcd-3',
        },
      },
    ]);
  });

  it('Slack: a hundred clusters fit in sections under 3000 characters each', () => {
    const many = Array.from({ length: 100 }, (_, i) => evaluation({ cluster: `cluster-${String(i).padStart(3, '0')}` }));
    const blocks = statusBlocks(many);
    const texts = blocks.map((b) => (b.type === 'section' && b.text ? b.text.text : ''));
    expect(texts.every((t) => t.length <= 3000)).toBe(true);
    expect(texts.join('\n').split('\n')).toHaveLength(100);
    expect(blocks.length).toBeLessThanOrEqual(50);
  });
});
