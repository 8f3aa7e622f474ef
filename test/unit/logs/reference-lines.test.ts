import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import type { LogEvent, LogEventKind, LogEventOf } from '../../../src/sources/logs/types.js';

/** Every real line quoted in ETCD-REFERENCE.md §3, verbatim. */

function parseAs<K extends LogEventKind>(line: string, kind: K): LogEventOf<K> {
  const e = parseLogLine(line, 'etcd-2');
  expect(e, line).not.toBeNull();
  expect(e!.kind).toBe(kind);
  expect(e!.member).toBe('etcd-2');
  return e as LogEventOf<K>;
}

describe('3.5.13 lines (etcd-io/etcd#17855)', () => {
  it('apply request took too long: read-only range with +0800 offset', () => {
    const e = parseAs(
      '{"level":"warn","ts":"2024-04-22T17:18:03.213763+0800","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"3.000607371s","expected-duration":"100ms","prefix":"read-only range ","request":"key:\\"/cs/leader\\" range_end:\\"/cs/leades\\" sort_order:ASCEND sort_target:MOD ","response":"","error":"context deadline exceeded"}',
      'apply-slow',
    );
    expect(e.time).toBe(Date.UTC(2024, 3, 22, 9, 18, 3) + 213.763);
    expect(e.timeText).toBe('2024-04-22T17:18:03.213763+0800');
    expect(e.level).toBe('warn');
    expect(e.tookMs).toBe(3000.607371);
    expect(e.expectedMs).toBe(100);
    expect(e.access).toBe('read-only');
    expect(e.requestType).toBe('range');
    expect(e.key).toBe('/cs/leader');
    expect(e.rangeEnd).toBe('/cs/leades');
    expect(e.response).toBe('');
    expect(e.responseCount).toBeNull();
    expect(e.error).toBe('context deadline exceeded');
    expect(e.caller).toBe('etcdserver/util.go:170');
  });

  it('trace range: op without the random id, detail, steps and the dominant step', () => {
    const e = parseAs(
      '{"level":"info","ts":"2024-04-22T17:18:03.213817+0800","caller":"traceutil/trace.go:171","msg":"trace[1117269466] range","detail":"{range_begin:/cs/leader; range_end:/cs/leades; }","duration":"3.000694495s","start":"2024-04-22T17:18:00.213115+0800","end":"2024-04-22T17:18:03.21381+0800","steps":["trace[1117269466] \'agreement among raft nodes before linearized reading\'  (duration: 3.00063206s)"],"step_count":1}',
      'trace',
    );
    expect(e.op).toBe('range');
    expect(e.traceId).toBe('1117269466');
    expect(e.durationMs).toBe(3000.694495);
    expect(e.detail).toEqual({ range_begin: '/cs/leader', range_end: '/cs/leades' });
    expect(e.key).toBe('/cs/leader');
    expect(e.rangeEnd).toBe('/cs/leades');
    expect(e.steps).toEqual([{ name: 'agreement among raft nodes before linearized reading', durationMs: 3000.63206, fields: {} }]);
    expect(e.dominantStep?.name).toBe('agreement among raft nodes before linearized reading');
  });

  it('request stats', () => {
    const e = parseAs(
      '{"level":"warn","ts":"2024-04-22T17:18:03.21385+0800","caller":"v3rpc/interceptor.go:197","msg":"request stats","start time":"2024-04-22T17:18:00.213095+0800","time spent":"3.000743014s","remote":"127.0.0.1:39294","response type":"/etcdserverpb.KV/Range","request count":0,"request size":28,"response count":0,"response size":0,"request content":"key:\\"/cs/leader\\" range_end:\\"/cs/leades\\" sort_order:ASCEND sort_target:MOD "}',
      'request-stats',
    );
    expect(e.time).toBe(Date.UTC(2024, 3, 22, 9, 18, 3) + 213.85);
    expect(e.timeSpentMs).toBe(3000.743014);
    expect(e.remote).toBe('127.0.0.1:39294');
    expect(e.responseType).toBe('/etcdserverpb.KV/Range');
    expect([e.requestCount, e.requestSize, e.responseCount, e.responseSize]).toEqual([0, 28, 0, 0]);
    expect(e.key).toBe('/cs/leader');
    expect(e.rangeEnd).toBe('/cs/leades');
  });

  it('ReadIndex retry keeps the uint64 request id exact', () => {
    const e = parseAs(
      '{"level":"warn","ts":"2024-04-22T17:18:24.929573+0800","caller":"etcdserver/v3_server.go:908","msg":"waiting for ReadIndex response took too long, retrying","sent-request-id":1859580948208150369,"retry-timeout":"500ms"}',
      'readindex-retry',
    );
    expect(e.sentRequestId).toBe('1859580948208150369');
    expect(e.retryTimeoutMs).toBe(500);
  });
});

describe('other real zap lines', () => {
  it('3.6 heartbeat (etcd-io/etcd#20418), .000000Z layout', () => {
    const e = parseAs(
      '{"level":"warn","ts":"2025-11-16T00:15:22.266350Z","caller":"etcdserver/raft.go:388","msg":"leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk","to":"dcb68c82481661be","heartbeat-interval":"100ms","expected-duration":"200ms","exceeded-duration":"2.406773972s"}',
      'heartbeat-late',
    );
    expect(e.time).toBe(Date.UTC(2025, 10, 16, 0, 15, 22) + 266.35);
    expect(e.to).toBe('dcb68c82481661be');
    expect(e.heartbeatIntervalMs).toBe(100);
    expect(e.expectedMs).toBe(200);
    expect(e.exceededMs).toBe(2406.773972);
  });

  it('dropped Raft message inside a CRI line (etcd-io/etcd#16436)', () => {
    const e = parseAs(
      '2023-08-18T11:00:50.951550247+08:00 stderr F {"level":"warn","ts":"2023-08-18T03:00:50.951Z","caller":"rafthttp/peer.go:255","msg":"dropped internal Raft message since sending buffer is full (overloaded network)","message-type":"MsgHeartbeatResp","local-member-id":"63f111c239cc91f8","from":"63f111c239cc91f8","remote-peer-id":"6f4280d874315789","remote-peer-name":"pipeline","remote-peer-active":true}',
      'dropped-raft-message',
    );
    expect(e.envelope).toBe('cri');
    expect(e.format).toBe('zap');
    // The etcd timestamp wins over the CRI one (they agree here: 11:00:50.95+08:00 = 03:00:50.95Z).
    expect(e.time).toBe(Date.UTC(2023, 7, 18, 3, 0, 50, 951));
    expect(e.messageType).toBe('MsgHeartbeatResp');
    expect(e.localMemberId).toBe('63f111c239cc91f8');
    expect(e.remotePeerId).toBe('6f4280d874315789');
    expect(e.remotePeerName).toBe('pipeline');
    expect(e.remotePeerActive).toBe(true);
    expect(e.buffer).toBe('sending');
  });

  it('prober unhealthy (etcd-io/etcd#18958)', () => {
    const e = parseAs(
      '{"level":"warn","ts":"2024-11-27T13:48:13.28801Z","caller":"rafthttp/probing_status.go:68","msg":"prober detected unhealthy status","round-tripper-name":"ROUND_TRIPPER_SNAPSHOT","remote-peer-id":"f73dbd56eea24556","rtt":"0s","error":"dial tcp 10.27.50.152:2380: connect: connection refused"}',
      'prober-unhealthy',
    );
    expect(e.time).toBe(Date.UTC(2024, 10, 27, 13, 48, 13) + 288.01);
    expect(e.roundTripper).toBe('ROUND_TRIPPER_SNAPSHOT');
    expect(e.remotePeerId).toBe('f73dbd56eea24556');
    expect(e.rttMs).toBe(0);
    expect(e.error).toBe('dial tcp 10.27.50.152:2380: connect: connection refused');
  });

  it('raft logger line with logger field (apache/apisix#11674)', () => {
    const e = parseAs(
      '{"level":"info","ts":"2025-01-13T12:56:15.947285Z","logger":"raft","caller":"etcdserver/zap_raft.go:77","msg":"39e3f227d2d33a6d is starting a new election at term 63"}',
      'leader',
    );
    expect(e.change).toBe('election-started');
    expect(e.nodeId).toBe('39e3f227d2d33a6d');
    expect(e.term).toBe(63);
  });

  it('linearizableReadLoop trace with a µs step (milvus-io/milvus#16122, elided fields filled in)', () => {
    const e = parseAs(
      '{"level":"info","ts":"2022-03-21T12:37:54.197Z","caller":"traceutil/trace.go:171","msg":"trace[412188939] linearizableReadLoop","detail":"{readStateIndex:43605; appliedIndex:43607; }","duration":"197.676881ms","steps":["trace[412188939] \'read index received\'  (duration: 197.667283ms)","trace[412188939] \'applied index is now lower than readState.Index\'  (duration: 7.819µs)"],"step_count":2}',
      'trace',
    );
    expect(e.op).toBe('linearizableReadLoop');
    expect(e.detail).toEqual({ readStateIndex: '43605', appliedIndex: '43607' });
    expect(e.durationMs).toBe(197.676881);
    expect(e.steps.map((s) => [s.name, s.durationMs])).toEqual([
      ['read index received', 197.667283],
      ['applied index is now lower than readState.Index', 0.007819],
    ]);
    expect(e.dominantStep?.name).toBe('read index received');
  });

  it('transaction trace steps with fields (etcd-io/etcd#11491, ids filled in)', () => {
    const e = parseAs(
      '{"level":"info","ts":"2019-12-20T10:00:00.000Z","msg":"trace[1023984242] transaction","detail":"{read_only:false; response_revision:7; number_of_response:4; }","duration":"200ms","steps":["trace[1023984242] \'process raft request\'  (duration: 195.497µs)","trace[1023984242] \'compare\'  (duration: 36.258µs)","trace[1023984242] \'range keys from bolt db\' {req_type:range; range_begin:foo; range_end:fooo; } (duration: 2.126µs)"]}',
      'trace',
    );
    expect(e.op).toBe('transaction');
    expect(e.responseCount).toBe(4);
    expect(e.steps[2]).toEqual({
      name: 'range keys from bolt db',
      durationMs: 0.002126,
      fields: { req_type: 'range', range_begin: 'foo', range_end: 'fooo' },
    });
    expect(e.dominantStep?.name).toBe('process raft request');
  });

  it('slow fdatasync (built from the source field list)', () => {
    const e = parseAs(
      '{"level":"warn","ts":"2024-01-01T00:00:00.5Z","caller":"wal/wal.go:806","msg":"slow fdatasync","took":"1.3s","expected-duration":"1s"}',
      'slow-fdatasync',
    );
    expect(e.tookMs).toBe(1300);
    expect(e.expectedMs).toBe(1000);
  });
});

describe('capnslog lines (etcd-io/etcd#10174, #10215, #13346)', () => {
  it('read-only range request took too long', () => {
    const e = parseAs(
      '2018-10-11 08:36:19.724999 W | etcdserver: read-only range request "key:\\"/registry/secrets/…\\" " with result "range_response_count:1 size:2579" took too long (1.602181876s) to execute',
      'apply-slow',
    );
    expect(e.format).toBe('capnslog');
    // capnslog has no zone: read as UTC.
    expect(e.time).toBe(Date.UTC(2018, 9, 11, 8, 36, 19) + 724.999);
    expect(e.level).toBe('warn');
    expect(e.caller).toBe('etcdserver');
    expect(e.tookMs).toBe(1602.181876);
    expect(e.access).toBe('read-only');
    expect(e.key).toBe('/registry/secrets/…');
    expect(e.responseCount).toBe(1);
    expect(e.responseSize).toBe(2579);
  });

  it('wal sync duration', () => {
    const e = parseAs('2018-10-25 16:20:35.185438 W | wal: sync duration of 1.134771573s, expected less than 1s', 'slow-fdatasync');
    expect(e.tookMs).toBe(1134.771573);
    expect(e.expectedMs).toBe(1000);
  });

  it('heartbeat', () => {
    const e = parseAs(
      '2021-09-11 14:44:49.798062 W | etcdserver: failed to send out heartbeat on time (exceeded the 100ms timeout for 818.303896ms, to e337a53965c9eed8)',
      'heartbeat-late',
    );
    expect(e.to).toBe('e337a53965c9eed8');
    expect(e.heartbeatIntervalMs).toBe(100);
    expect(e.exceededMs).toBe(818.303896);
  });

  it('lost leader', () => {
    const e = parseAs('2021-09-11 14:44:50.924672 I | raft: raft.node: 305e2d98af38bb40 lost leader 305e2d98af38bb40 at term 29', 'leader');
    expect(e.change).toBe('lost');
    expect(e.nodeId).toBe('305e2d98af38bb40');
    expect(e.leaderId).toBe('305e2d98af38bb40');
    expect(e.term).toBe(29);
    expect(e.level).toBe('info');
  });
});

describe('raft leadership messages', () => {
  const cases: Array<[string, Partial<LogEventOf<'leader'>>]> = [
    ['raft.node: 979cbee16d27ceff elected leader 89a3495a15a0470b at term 2', { change: 'elected', nodeId: '979cbee16d27ceff', leaderId: '89a3495a15a0470b', term: 2 }],
    ['raft.node: 89a3495a15a0470b changed leader from 89a3495a15a0470b to 979cbee16d27ceff at term 3', { change: 'changed', previousLeaderId: '89a3495a15a0470b', leaderId: '979cbee16d27ceff', term: 3 }],
    ['979cbee16d27ceff became leader at term 3', { change: 'became-leader', leaderId: '979cbee16d27ceff', term: 3 }],
    ['89a3495a15a0470b became follower at term 3', { change: 'became-follower', term: 3 }],
    ['979cbee16d27ceff became candidate at term 3', { change: 'became-candidate', term: 3 }],
    ['979cbee16d27ceff became pre-candidate at term 4', { change: 'became-pre-candidate', term: 4 }],
    ['979cbee16d27ceff stepped down to follower since quorum is not active', { change: 'stepped-down', term: null }],
  ];
  it.each(cases)('%s', (msg, expected) => {
    const e = parseAs(`{"level":"info","ts":"2026-11-21T16:01:50.000Z","caller":"raft/raft.go:1","msg":"${msg}"}`, 'leader');
    expect(e).toMatchObject(expected);
  });
});

describe('robustness', () => {
  const broken = [
    '',
    '{',
    '{"level":"warn"',
    '{"level":"warn","ts":"not a time","msg":"apply request took too long"}',
    '{"level":"warn","ts":"2024-01-01T00:00:00Z","msg":"apply request took too long","took":42,"request":7}',
    '{"level":"warn","ts":"2024-01-01T00:00:00Z","msg":"trace[1] range","steps":"nope","detail":5}',
    '{"level":"warn","ts":"2024-01-01T00:00:00Z","msg":"constructor"}',
    '2023-08-18T11:00:50Z stderr F {broken',
    '{"log":5,"stream":"stderr"}',
    '\u0000\u0001binary',
    'x'.repeat(100_000),
  ];
  it.each(broken.map((b) => [b.slice(0, 40), b]))('never throws on %j', (_label, line) => {
    let e: LogEvent | null = null;
    expect(() => (e = parseLogLine(line, 'm'))).not.toThrow();
    if (e !== null) expect(typeof (e as LogEvent).time).toBe('number');
  });

  it('a line without a parseable time yields nothing rather than a wrong time', () => {
    expect(parseLogLine('{"level":"warn","ts":"yesterday","msg":"slow fdatasync","took":"2s"}', 'm')).toBeNull();
  });

  it('unexpected field types do not break classification', () => {
    const e = parseLogLine('{"level":"warn","ts":"2024-01-01T00:00:00Z","msg":"apply request took too long","took":42,"request":7}', 'm');
    expect(e?.kind).toBe('apply-slow');
    expect(e && e.kind === 'apply-slow' ? e.tookMs : -1).toBe(0);
  });
});
