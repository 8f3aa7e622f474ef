import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import type { LogEvent, LogEventOf } from '../../../src/sources/logs/types.js';

/**
 * Lines written by a real etcd 3.4.23 (Debian) on 127.0.0.1: a single member with ~140 MB of values
 * ranged while its CPU was throttled (SIGSTOP/SIGCONT duty cycle), a 3-member cluster whose leader was
 * throttled then paused (heartbeats, leader change, ReadIndex retries, peer flaps), and a single member
 * with the default capnslog logger.
 */
const dir = new URL('../../fixtures/logs/', import.meta.url);

function load(name: string): LogEvent[] {
  const text = readFileSync(new URL(name, dir), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => parseLogLine(l, 'etcd-0'))
    .filter((e): e is LogEvent => e !== null);
}

function ofKind<K extends LogEvent['kind']>(events: LogEvent[], kind: K): Array<LogEventOf<K>> {
  return events.filter((e) => e.kind === kind) as Array<LogEventOf<K>>;
}

describe('etcd 3.4.23 zap, single member', () => {
  const events = load('etcd-3.4.23-single-zap.jsonl');

  it('every line parses', () => {
    const lines = readFileSync(new URL('etcd-3.4.23-single-zap.jsonl', dir), 'utf8').split('\n').filter(Boolean);
    expect(events).toHaveLength(lines.length);
  });

  it('expensive ranges: apply-slow with key, range end and response size', () => {
    const slow = ofKind(events, 'apply-slow');
    expect(slow).toHaveLength(4);
    expect(slow[0]).toMatchObject({
      time: Date.UTC(2026, 10, 21, 16, 1, 6, 992),
      tookMs: 245.013678,
      expectedMs: 100,
      access: 'read-only',
      requestType: 'range',
      key: '/registry/pods/',
      rangeEnd: '/registry/pods0',
      responseCount: 150,
      responseSize: 140007628,
    });
    expect(slow[1]?.request).toContain('keys_only:true');
    expect(slow[1]?.responseSize).toBe(6328);
  });

  it('range traces point at the bolt db read', () => {
    const traces = ofKind(events, 'trace');
    expect(traces).toHaveLength(4);
    expect(traces[0]).toMatchObject({ op: 'range', traceId: '385099377', durationMs: 245.168511, responseCount: 150, key: '/registry/pods/' });
    expect(traces[0]?.dominantStep).toEqual({ name: 'range keys from bolt db', durationMs: 244.831716, fields: {} });
  });

  it('compaction, defrag and snapshot events', () => {
    expect(ofKind(events, 'compaction')[1]).toMatchObject({ revision: 66, tookMs: 0.051023 });
    const defrag = ofKind(events, 'defrag');
    expect(defrag[0]).toMatchObject({ phase: 'started', dbSizeBytes: 20480, dbSizeInUseBytes: 16384 });
    expect(defrag[1]).toMatchObject({ phase: 'finished', tookMs: 2.174283, dbSizeInUseBytes: 12288 });
    expect(ofKind(events, 'snapshot')[0]).toMatchObject({ phase: 'triggering', appliedIndex: 51, snapshotIndex: 0, snapshotCount: 50 });
  });

  it('single-node election', () => {
    const changes = ofKind(events, 'leader').map((e) => e.change);
    expect(changes).toEqual(['became-follower', 'became-follower', 'election-started', 'became-candidate', 'became-leader', 'elected']);
  });
});

describe('etcd 3.4.23 zap, 3 members, leader throttled then paused', () => {
  const leader = load('etcd-3.4.23-3member-m2-zap.jsonl');
  const follower = load('etcd-3.4.23-3member-m3-zap.jsonl');
  const newLeader = load('etcd-3.4.23-3member-m1-zap.jsonl');

  it('the throttled leader logs late heartbeats to both followers', () => {
    const hb = ofKind(leader, 'heartbeat-late');
    expect(hb).toHaveLength(24);
    expect(hb[0]).toMatchObject({ to: '979cbee16d27ceff', heartbeatIntervalMs: 100, expectedMs: 200, exceededMs: 160.402629 });
    expect(new Set(hb.map((e) => e.to))).toEqual(new Set(['979cbee16d27ceff', '621659a38c80077b']));
  });

  it('the old leader sees the leader change at term 3', () => {
    const changed = ofKind(leader, 'leader').find((e) => e.change === 'changed');
    expect(changed).toMatchObject({ previousLeaderId: '89a3495a15a0470b', leaderId: '979cbee16d27ceff', term: 3 });
  });

  it('the new leader stepped down once when its follower was paused', () => {
    expect(ofKind(newLeader, 'leader').some((e) => e.change === 'stepped-down' && e.level === 'warn')).toBe(true);
    expect(ofKind(newLeader, 'peer-inactive').length).toBeGreaterThan(0);
  });

  it('the follower waited on ReadIndex and its writes waited on raft', () => {
    const retry = ofKind(follower, 'readindex-retry');
    expect(retry[0]).toMatchObject({ sentRequestId: '539202696308848461', retryTimeoutMs: 500 });
    const puts = ofKind(follower, 'trace').filter((t) => t.op === 'put');
    expect(puts.length).toBeGreaterThan(0);
    expect(puts[0]?.dominantStep?.name).toBe('process raft request');
    expect(puts[0]?.key).toBe('/registry/leases/kube-node-lease/n6');
    const loops = ofKind(follower, 'trace').filter((t) => t.op === 'linearizableReadLoop');
    expect(loops[0]?.dominantStep?.name).toBe('read index received');
  });

  it('stream losses carry the peer and stream type', () => {
    const lost = ofKind(newLeader, 'stream-lost')[0];
    expect(lost).toMatchObject({ peerId: '621659a38c80077b', streamType: 'stream MsgApp v2', error: 'read tcp 127.0.0.1:49554->127.0.0.1:54539: i/o timeout' });
  });
});

describe('etcd 3.4.23 capnslog (default logger)', () => {
  const events = load('etcd-3.4.23-single-capnslog.txt');

  it('apply-slow from the printf text', () => {
    const slow = ofKind(events, 'apply-slow');
    expect(slow).toHaveLength(2);
    expect(slow[0]).toMatchObject({
      format: 'capnslog',
      time: Date.UTC(2026, 10, 21, 16, 2, 5) + 961.829,
      tookMs: 427.154511,
      key: '/registry/secrets/',
      rangeEnd: '/registry/secrets0',
      responseCount: 100,
      responseSize: 93338198,
      access: 'read-only',
    });
  });

  it('3.4.23 raft lines use Go log format (raftYYYY/MM/DD hh:mm:ss INFO: …), not "I | raft:"', () => {
    const leader = ofKind(events, 'leader');
    expect(leader.map((e) => e.change)).toContain('became-leader');
    const elected = leader.find((e) => e.change === 'elected');
    expect(elected).toMatchObject({ format: 'raft-golog', time: Date.UTC(2026, 10, 21, 16, 2, 0), term: 2, leaderId: '1b4f3ba092e5b601' });
  });

  it('compaction and defrag', () => {
    expect(ofKind(events, 'compaction')[0]).toMatchObject({ revision: 102, tookMs: 0.083687 });
    expect(ofKind(events, 'defrag').map((e) => e.phase)).toEqual(['started', 'finished']);
  });
});
