import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyPrefix, prefixRangeEnd } from '../../../src/sources/logs/summarise/key-prefix.js';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import { countEvents } from '../../../src/sources/logs/summarise/summarise-counts.js';
import { summariseExpensiveRequests } from '../../../src/sources/logs/summarise/summarise-expensive.js';
import { summariseLeaderTimeline } from '../../../src/sources/logs/summarise/summarise-leader.js';
import type { LogEvent } from '../../../src/sources/logs/types.js';

function load(name: string, member: string): LogEvent[] {
  return readFileSync(new URL(`../../fixtures/logs/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => parseLogLine(l, member))
    .filter((e): e is LogEvent => e !== null);
}

const line = (e: string): LogEvent => {
  const parsed = parseLogLine(e, 'etcd-1');
  if (!parsed) throw new Error(`unparsed: ${e}`);
  return parsed;
};

describe('key prefixes', () => {
  it.each([
    ['/registry/pods/default/web-1', null, '/registry/pods/'],
    ['/registry/pods/', '/registry/pods0', '/registry/pods/'],
    ['/registry/pods/kube-system/', '/registry/pods/kube-system0', '/registry/pods/'],
    ['/registry/pods', '/registry/podt', '/registry/pods/'],
    ['/registry/apiregistration.k8s.io/apiservices/v1.apps', null, '/registry/apiregistration.k8s.io/apiservices/'],
    ['/registry/leases/kube-node-lease/n6', null, '/registry/leases/'],
    ['/registry/ranges/serviceips', null, '/registry/ranges/'],
    ['/cs/leader', '/cs/leades', '/cs/'],
    ['/a/b/c/d', null, '/a/b/'],
    ['/top', null, '/top'],
    ['foo/bar/baz', null, 'foo/bar/'],
    ['plainkey', null, 'plainkey'],
    ['\u0000', '\u0000', '(all keys)'],
    [null, null, '(unknown)'],
  ])('%j (range_end %j) → %s', (key, end, prefix) => expect(keyPrefix(key, end)).toBe(prefix));

  it('prefix range end as etcd computes it', () => {
    expect(prefixRangeEnd('/registry/pods/')).toBe('/registry/pods0');
    expect(prefixRangeEnd('/cs/leader')).toBe('/cs/leades');
  });
});

describe('counts per kind per member', () => {
  it('on the recorded 3-member incident', () => {
    const events = [
      ...load('etcd-3.4.23-3member-m1-zap.jsonl', 'etcd-1'),
      ...load('etcd-3.4.23-3member-m2-zap.jsonl', 'etcd-2'),
      ...load('etcd-3.4.23-3member-m3-zap.jsonl', 'etcd-3'),
    ];
    const c = countEvents(events);
    expect(c.byMember['etcd-2']?.['heartbeat-late']).toBe(24);
    expect(c.byMember['etcd-3']?.['apply-slow']).toBe(7);
    expect(c.byMember['etcd-3']?.['readindex-retry']).toBe(2);
    expect(c.byMember['etcd-1']?.['heartbeat-late']).toBeUndefined();
    expect(c.total['peer-inactive']).toBe(9);
  });
});

describe('expensive requests', () => {
  it('groups the recorded large ranges under /registry/pods/ with bolt db as the step', () => {
    const groups = summariseExpensiveRequests(load('etcd-3.4.23-single-zap.jsonl', 'etcd-0'));
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.prefix).toBe('/registry/pods/');
    expect(g.count).toBe(4);
    expect(g.totalMs).toBeCloseTo(245.013678 + 189.666307 + 131.6006 + 187.54933, 6);
    expect(g.maxMs).toBe(245.013678);
    expect(g.totalResponseBytes).toBe(140007628 * 2 + 6328 * 2);
    expect(g.maxResponseCount).toBe(150);
    expect(g.reads).toBe(4);
    expect(g.dominantStep).toBe('range keys from bolt db');
    expect(g.stepMs['range keys from bolt db']).toBeCloseTo(244.831716 + 189.44451 + 131.261351 + 187.314998, 6);
    expect(g.example).toBe('key:"/registry/pods/" range_end:"/registry/pods0" ');
  });

  it('writes waiting on raft show process raft request; reads can be filtered', () => {
    const events = load('etcd-3.4.23-3member-m3-zap.jsonl', 'etcd-3');
    // The recorded workload both wrote leases and listed them: split by access, each has its own story.
    const writes = summariseExpensiveRequests(events, { access: 'write' });
    const leases = writes.find((g) => g.prefix === '/registry/leases/');
    expect(leases).toMatchObject({ reads: 0, writes: 6, count: 6, dominantStep: 'process raft request' });
    const reads = summariseExpensiveRequests(events, { access: 'read-only' });
    expect(reads.every((g) => g.writes === 0)).toBe(true);
  });

  it('request stats: merged with the matching apply line, counted alone otherwise; ranked by total time', () => {
    const events = [
      line('{"level":"warn","ts":"2024-04-22T17:18:03.213763+0800","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"3.000607371s","expected-duration":"100ms","prefix":"read-only range ","request":"key:\\"/cs/leader\\" range_end:\\"/cs/leades\\" sort_order:ASCEND sort_target:MOD ","response":"","error":"context deadline exceeded"}'),
      line('{"level":"info","ts":"2024-04-22T17:18:03.213817+0800","caller":"traceutil/trace.go:171","msg":"trace[1117269466] range","detail":"{range_begin:/cs/leader; range_end:/cs/leades; }","duration":"3.000694495s","start":"2024-04-22T17:18:00.213115+0800","end":"2024-04-22T17:18:03.21381+0800","steps":["trace[1117269466] \'agreement among raft nodes before linearized reading\'  (duration: 3.00063206s)"],"step_count":1}'),
      line('{"level":"warn","ts":"2024-04-22T17:18:03.21385+0800","caller":"v3rpc/interceptor.go:197","msg":"request stats","start time":"2024-04-22T17:18:00.213095+0800","time spent":"3.000743014s","remote":"127.0.0.1:39294","response type":"/etcdserverpb.KV/Range","request count":0,"request size":28,"response count":0,"response size":0,"request content":"key:\\"/cs/leader\\" range_end:\\"/cs/leades\\" sort_order:ASCEND sort_target:MOD "}'),
      line('{"level":"warn","ts":"2024-04-22T17:19:00.000000+0800","caller":"v3rpc/interceptor.go:197","msg":"request stats","start time":"2024-04-22T17:18:59.5+0800","time spent":"500ms","remote":"127.0.0.1:1","response type":"/etcdserverpb.KV/Range","request count":0,"request size":20,"response count":5000,"response size":52428800,"request content":"key:\\"/registry/configmaps/\\" range_end:\\"/registry/configmaps0\\" "}'),
    ];
    const groups = summariseExpensiveRequests(events);
    expect(groups.map((g) => [g.prefix, g.count])).toEqual([
      ['/cs/', 1],
      ['/registry/configmaps/', 1],
    ]);
    expect(groups[0]!.totalMs).toBe(3000.607371);
    expect(groups[0]!.dominantStep).toBe('agreement among raft nodes before linearized reading');
    expect(groups[1]).toMatchObject({ totalResponseBytes: 52428800, maxResponseCount: 5000, reads: 1 });
  });
});

describe('leader timeline', () => {
  it('the recorded incident: leader 89a3… lost to 979c… at term 3, then the shutdown churn (terms 4–8)', () => {
    const events = [
      ...load('etcd-3.4.23-3member-m1-zap.jsonl', 'etcd-1'),
      ...load('etcd-3.4.23-3member-m2-zap.jsonl', 'etcd-2'),
      ...load('etcd-3.4.23-3member-m3-zap.jsonl', 'etcd-3'),
    ];
    const t = summariseLeaderTimeline(events);
    expect(t.terms.map((x) => [x.term, x.leaderId])).toEqual([
      [0, null],
      [1, null],
      [2, '89a3495a15a0470b'],
      [3, '979cbee16d27ceff'],
      [4, '89a3495a15a0470b'],
      [5, '979cbee16d27ceff'],
      // etcd-1 alone after the others were stopped: elections that never got a quorum.
      [6, null],
      [7, null],
      [8, null],
    ]);
    expect(t.leaderChanges).toBe(4);
    expect(t.electionsStarted).toBe(5);
    // Followers lost the leader at term 3 and had a new one within a millisecond…
    expect(t.noLeader.find((g) => g.member === 'etcd-3')).toEqual({ member: 'etcd-3', from: Date.UTC(2026, 10, 21, 16, 1, 45, 263), to: Date.UTC(2026, 10, 21, 16, 1, 45, 263) });
    // …and etcd-1, after stepping down with no quorum, never got one back.
    expect(t.noLeader.at(-1)).toEqual({ member: 'etcd-1', from: Date.UTC(2026, 10, 21, 16, 2, 16, 662), to: null });
    const changed = t.entries.find((e) => e.change === 'changed');
    expect(changed).toMatchObject({ member: 'etcd-2', previousLeaderId: '89a3495a15a0470b', leaderId: '979cbee16d27ceff', term: 3 });
    expect(t.entries.map((e) => e.time)).toEqual([...t.entries.map((e) => e.time)].sort((a, b) => a - b));
  });
});
