import { describe, expect, it } from 'vitest';
import type { OnsetAnswers, OnsetRow } from '../../../src/diagnosis/onset/answers.js';
import { readGuidelines } from '../../../src/diagnosis/onset/guidelines.js';
import { judgeOnset } from '../../../src/diagnosis/onset/judge.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import type { Playbook } from '../../../src/diagnosis/playbook/schema.js';

/**
 * The pure half of the watch: answers as Prometheus gives them (one row per signal and member) in,
 * suspects out. Each case is one decision of the playbooks read at the onset.
 */
const playbooks = loadPlaybooks();
const MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];
const IDS: Record<string, string> = { 'etcd-1': 'b5af18806ebc876b', 'etcd-2': 'e4c3cde6bc9a9256', 'etcd-3': 'e46aa9dfb237d529' };

const row = (signal: string, value: number, labels: Record<string, string> = {}): OnsetRow => ({ signal, value, labels });

/** A healthy three-member cluster as the lab reads: fsync p99 in the 8–16 ms bucket, 1 s scrapes. */
function healthy(): OnsetRow[] {
  return MEMBERS.flatMap((m) => [
    row('up', 1, { instance: m }),
    row('up_samples', 60, { instance: m }),
    row('is_leader', m === 'etcd-1' ? 1 : 0, { instance: m }),
    row('server_id', 1, { instance: m, server_id: IDS[m]! }),
    row('db_size', m === 'etcd-3' ? 180 * 2 ** 20 : 20 * 2 ** 20, { instance: m }),
    row('db_quota', 2 * 2 ** 30, { instance: m }),
    row('wal_fsync_p99', 0.012, { instance: m }),
    row('wal_fsync_p99_before', 0.012, { instance: m }),
    row('wal_fsync_mean', 0.002, { instance: m }),
    row('wal_fsync_mean_before', 0.002, { instance: m }),
    row('backend_commit_p99', 0.02, { instance: m }),
    row('scrape_gaps', 0, { instance: m }),
    row('client_bytes_sent', 250, { instance: m }),
    row('write_rate', 18, { instance: m }),
    row('apply_backlog', 0, { instance: m }),
    ...MEMBERS.filter((p) => p !== m).map((p) => row('peer_rtt_p99', 0.006, { instance: m, To: IDS[p]! })),
  ]).concat([row('node_cpu_pressure', 0.4, { instance: 'lab-host' })]);
}

function answers(rows: OnsetRow[], extra: Partial<OnsetAnswers> = {}): OnsetAnswers {
  return { at: 1_800_000_000, memberLabel: 'instance', nodeExporter: true, scrapeIntervalSeconds: 1, windows: { rate: 30, rtt: 62 }, rows, failures: [], skipped: [], queries: 6, ...extra };
}

/** Replaces the value of a signal on a member (or a member→peer pair). */
function set(rows: OnsetRow[], signal: string, member: string, value: number, peer?: string): OnsetRow[] {
  return rows.map((r) => (r.signal === signal && r.labels.instance === member && (peer === undefined || r.labels.To === IDS[peer]) ? { ...r, value } : r));
}

const judge = (rows: OnsetRow[], pbs: Playbook[] = playbooks, extra: Partial<OnsetAnswers> = {}) => judgeOnset('lab', answers(rows, extra), readGuidelines(pbs));
const named = (rows: OnsetRow[], pbs?: Playbook[]) => judge(rows, pbs).suspects.map((s) => `${s.kind} on ${s.member ?? 'all'}`);

describe('onset judgement', () => {
  it('a healthy cluster has no suspect, and status facts come through', () => {
    const ev = judge(healthy());
    expect(ev.suspects).toEqual([]);
    expect(ev.leader).toBe('etcd-1');
    expect(ev.members).toEqual(MEMBERS.map((m) => ({ member: m, up: true, leader: m === 'etcd-1' })));
    expect(ev.db[0]).toEqual({ member: 'etcd-3', sizeBytes: 180 * 2 ** 20, quotaBytes: 2 * 2 ** 30 });
    expect(ev.at).toBe('2027-01-15T08:00:00.000Z');
  });

  it('a p99 inside the bucket that holds the 10 ms line is no breach, even when interpolated past it', () => {
    const rows = set(set(healthy(), 'wal_fsync_p99', 'etcd-2', 0.0155), 'wal_fsync_mean', 'etcd-2', 0.011);
    const ev = judge(rows);
    expect(ev.suspects).toEqual([]);
    const fsync = ev.signals.find((s) => s.id === 'wal_fsync_p99' && s.member === 'etcd-2')!;
    expect(fsync).toMatchObject({ breached: false, range: { low: 0.008, high: 0.016 }, guideline: 0.01 });
  });

  it('a busy host (p99 a bucket past the line, mean a few ms) is not a slow disk', () => {
    expect(named(set(healthy(), 'wal_fsync_p99', 'etcd-3', 0.036))).toEqual([]);
  });

  it('slow fsyncs on one member, every one of them slow: disk on that member, shown as a bound', () => {
    let rows = healthy();
    for (const [s, v] of [['wal_fsync_p99', 0.124], ['wal_fsync_mean', 0.065], ['wal_fsync_p99_before', 0.124], ['wal_fsync_mean_before', 0.06], ['backend_commit_p99', 0.25]] as const) rows = set(rows, s, 'etcd-2', v);
    const ev = judge(rows);
    expect(ev.suspects).toHaveLength(1);
    expect(ev.suspects[0]).toMatchObject({ kind: 'disk', member: 'etcd-2', signals: ['wal_fsync_p99', 'wal_fsync_mean', 'backend_commit_p99'] });
    expect(ev.suspects[0]!.summary).toBe('WAL fsync p99 ≥ 64 ms on etcd-2 (guideline 10 ms), mean 65 ms');
    // 64 ms is 6.4× its 10 ms line; the commit's 128 ms only 5.1× its 25 ms line.
    expect(ev.slowest).toMatchObject({ id: 'wal_fsync_p99', member: 'etcd-2', value: 0.064, bound: true });
  });

  it('fsync stalls (mean far below the p99) for a whole window on a busy node: CPU, not disk', () => {
    let rows = set(healthy(), 'node_cpu_pressure', 'lab-host', 0.99);
    for (const [s, v] of [['wal_fsync_p99', 0.22], ['wal_fsync_mean', 0.024], ['wal_fsync_p99_before', 0.2], ['wal_fsync_mean_before', 0.018]] as const) rows = set(rows, s, 'etcd-3', v);
    expect(named(rows)).toEqual(['cpu on etcd-3']);
    // The same fsyncs right at the onset (the window before was fine) cannot be told from a slow device yet.
    const onset = judge(set(set(rows, 'wal_fsync_p99_before', 'etcd-3', 0.012), 'wal_fsync_mean_before', 'etcd-3', 0.002));
    expect(onset.suspects).toMatchObject([{ kind: 'disk', member: 'etcd-3', tentative: true }]);
    expect(onset.suspects[0]!.summary).toBe('WAL fsync p99 ≥ 128 ms on etcd-3 (guideline 10 ms), mean 24 ms; disk or CPU not told apart yet');
    expect(judge(rows).suspects[0]!.tentative).toBeUndefined();
  });

  it('a member missing scrapes on a busy node is starved of CPU, and the slow links toward it are its effect', () => {
    let rows = set(set(healthy(), 'node_cpu_pressure', 'lab-host', 0.9), 'scrape_gaps', 'etcd-3', 0.47);
    rows = set(set(rows, 'peer_rtt_p99', 'etcd-1', 1.6, 'etcd-3'), 'peer_rtt_p99', 'etcd-2', 1.6, 'etcd-3');
    expect(judge(rows).suspects).toMatchObject([{ kind: 'cpu', member: 'etcd-3', signals: ['scrape_gaps', 'node_cpu_pressure', 'peer_rtt_p99'] }]);
  });

  it('slow links localise to the member in every slow pair; a slowdown on every pair, or one pair alone, names nobody', () => {
    const toward3 = set(set(healthy(), 'peer_rtt_p99', 'etcd-1', 0.2, 'etcd-3'), 'peer_rtt_p99', 'etcd-2', 0.4, 'etcd-3');
    const ev = judge(toward3);
    expect(ev.suspects.map((s) => `${s.kind} on ${s.member}`)).toEqual(['network on etcd-3']);
    expect(ev.suspects[0]!.summary).toBe('slow links toward etcd-3 from etcd-1, etcd-2: peer RTT p99 ≥ 205 ms etcd-2→etcd-3 (guideline 50 ms)');
    let everywhere = healthy();
    for (const m of MEMBERS) for (const p of MEMBERS.filter((x) => x !== m)) everywhere = set(everywhere, 'peer_rtt_p99', m, 0.1, p);
    expect(named(everywhere)).toEqual([]);
    expect(named(set(healthy(), 'peer_rtt_p99', 'etcd-1', 0.061, 'etcd-3'))).toEqual([]);
  });

  it('expensive reads come first and explain slow disks on several members; a disk slow on one member alone stands', () => {
    let rows = healthy();
    for (const m of MEMBERS) rows = set(rows, 'client_bytes_sent', m, 22 * 2 ** 20);
    let several = rows;
    for (const m of ['etcd-1', 'etcd-2']) for (const [s, v] of [['wal_fsync_p99', 0.05], ['wal_fsync_mean', 0.012]] as const) several = set(several, s, m, v);
    expect(named(several)).toEqual(['expensive on all']);
    let one = rows;
    for (const [s, v] of [['wal_fsync_p99', 0.46], ['wal_fsync_mean', 0.21]] as const) one = set(one, s, 'etcd-3', v);
    expect(named(one)).toEqual(['expensive on all', 'disk on etcd-3']);
  });

  it('a write flood is capacity; leader changes with no cause in sight are consensus', () => {
    let flood = healthy();
    for (const m of MEMBERS) flood = set(flood, 'write_rate', m, 3300);
    expect(named(flood)).toEqual(['capacity on all']);
    const churn = [...healthy(), ...MEMBERS.map((m) => row('leader_changes', 1, { instance: m }))];
    expect(named(churn)).toEqual(['consensus on all']);
  });

  it('the lines come from the loaded playbooks: a laxer fsync line there makes the same reading no breach', () => {
    let rows = healthy();
    for (const [s, v] of [['wal_fsync_p99', 0.124], ['wal_fsync_mean', 0.065]] as const) rows = set(rows, s, 'etcd-2', v);
    expect(named(rows)).toEqual(['disk on etcd-2']);
    const lax = playbooks.map((pb) =>
      pb.id !== 'disk' ? pb : { ...pb, checks: pb.checks.map((c) => (c.id === 'wal_fsync_p99' && 'query' in c ? { ...c, thresholds: { direction: 'above' as const, warning: 0.1 } } : c)) },
    );
    expect(named(rows, lax)).toEqual([]);
  });

  it('a Prometheus that does not answer gives no suspect and says what is missing and why', () => {
    const ev = judgeOnset('lab', answers([], { windows: null, scrapeIntervalSeconds: null, queries: 1, failures: [{ query: 'members', signals: ['up', 'is_leader'], error: 'cannot reach http://127.0.0.1:9: ECONNREFUSED' }], skipped: [{ signals: ['wal_fsync_p99', 'wal_fsync_p99_before'], reason: 'the members could not be read' }] }), readGuidelines(playbooks));
    expect(ev.suspects).toEqual([]);
    expect(ev.slowest).toBeNull();
    expect(ev.missing).toEqual(['up, is_leader: cannot reach http://127.0.0.1:9: ECONNREFUSED', 'wal_fsync_p99: the members could not be read']);
  });

  it('a playbook folder without a check the watch needs names it under missing', () => {
    const ev = judge(healthy(), playbooks.filter((p) => p.id !== 'network'));
    expect(ev.missing).toContain('guideline peer_rtt_p99: no playbook check network/peer_rtt_p99 to take the guideline from');
    expect(ev.signals.some((s) => s.id === 'peer_rtt_p99')).toBe(false);
  });
});
