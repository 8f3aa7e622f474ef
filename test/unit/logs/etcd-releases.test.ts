import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NAME_TABLE } from '../../../deploy/docs/etcd-name-table.js';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import type { LogEvent } from '../../../src/sources/logs/types.js';
import { asRelease, sourceOf, zapTime, type Target } from '../../support/etcd-release-lines.js';
import { fixturesDir } from '../../support/fixture-prometheus.js';

/**
 * The log parsers against etcd 3.5 and 3.6, which only exist here as source: every recorded 3.4.23 zap
 * line the diagnosis reads, rewritten as those releases write it (test/support/etcd-release-lines.ts,
 * each rule citing its source line in NAME_TABLE), gives the same event; lines of messages no recording
 * holds are written out from the source at the tag (format strings and zap fields, values filled in).
 */
const TARGETS: Target[] = [
  { version: '3.5.0' }, // ISO8601 milliseconds
  { version: '3.5.9' }, // .999999, trimmed
  { version: '3.5.21' }, // .000000
  { version: '3.6.5' },
  { version: '3.6.5', console: true },
];

/** Recorded 3.4.23 zap lines of every kind the parsers know, up to 25 of each per file. */
function recordedLines(): string[] {
  const files = [
    ...readdirSync(join(fixturesDir, 'logs')).filter((f) => f.endsWith('-zap.jsonl')).map((f) => readFileSync(join(fixturesDir, 'logs', f), 'utf8')),
    ...['disk-slow-follower', 'network-slow-follower', 'expensive-requests', 'cpu-starved-follower-severe', 'disk-slow-leader', 'capacity-write-flood'].flatMap((s) =>
      readdirSync(join(fixturesDir, s, 'logs')).map((f) => gunzipSync(readFileSync(join(fixturesDir, s, 'logs', f))).toString('utf8')),
    ),
  ];
  const out: string[] = [];
  for (const text of files) {
    const perKind = new Map<string, number>();
    for (const line of text.split('\n')) {
      const e = line.startsWith('{') ? parseLogLine(line, 'etcd-1') : null;
      if (!e || e.kind === 'other') continue;
      const key = `${e.kind} ${e.msg.replace(/[0-9a-f]{16}|\d+/g, '')}`;
      const n = perKind.get(key) ?? 0;
      if (n < 25) out.push(line);
      perKind.set(key, n + 1);
    }
  }
  return out;
}

/** What the diagnosis reads of an event: all but how it was written (time text, caller, line format, msg). */
function facts(e: LogEvent): Record<string, unknown> {
  const { timeText: _t, caller: _c, format: _f, msg: _m, ...rest } = e;
  return rest;
}

describe('recorded 3.4.23 lines as etcd 3.5 and 3.6 write them give the same events', () => {
  const lines = recordedLines();

  it('the recordings hold the kinds the diagnosis reads', () => {
    const kinds = new Set(lines.map((l) => parseLogLine(l, 'etcd-1')!.kind));
    for (const k of ['apply-slow', 'trace', 'slow-fdatasync', 'heartbeat-late', 'leader', 'prober-unhealthy', 'readindex-retry', 'compaction', 'defrag', 'snapshot']) {
      expect(kinds, k).toContain(k);
    }
    expect(lines.length).toBeGreaterThan(300);
  });

  it.each(TARGETS)('%o', (target) => {
    let compared = 0;
    for (const line of lines) {
      const before = parseLogLine(line, 'etcd-1')!;
      const rewritten = asRelease(line, target);
      if (rewritten === null) continue;
      const after = parseLogLine(rewritten, 'etcd-1');
      expect(after, rewritten).not.toBeNull();
      expect(after!.format).toBe(target.console ? 'zap-console' : 'zap');
      const want = facts(before);
      const got = facts(after!);
      // Fields 3.4.23 did not write (the db sizes after a compaction) are the newer release's extra facts.
      for (const [k, val] of Object.entries(want)) if (val === null && got[k] !== null) want[k] = got[k];
      expect(got, `${line}\n→ ${rewritten}`).toEqual(want);
      compared++;
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('the rewritten lines are what the sources write: time layouts, raft logger, renamed messages', () => {
    const at = Date.UTC(2026, 10, 21, 16, 1, 33) + 647;
    expect(zapTime(at, '3.4.23')).toBe('2026-11-21T16:01:33.647Z');
    expect(zapTime(at, '3.5.9')).toBe('2026-11-21T16:01:33.647Z');
    expect(zapTime(at + 0.5, '3.5.9')).toBe('2026-11-21T16:01:33.6475Z');
    expect(zapTime(at, '3.5.15')).toBe('2026-11-21T16:01:33.647000Z');
    expect(zapTime(Date.UTC(2026, 10, 21, 16, 1, 33), '3.4.24')).toBe('2026-11-21T16:01:33Z');
    const layouts = NAME_TABLE.messages['zap-time']!;
    expect(layouts['3.5']!.map((s) => `${s.tag} ${s.text}`)).toEqual([
      'v3.5.7 EncodeTime:     zapcore.ISO8601TimeEncoder,',
      'v3.5.8 enc.AppendString(t.Format("2006-01-02T15:04:05.999999Z0700"))',
      'v3.5.15 enc.AppendString(t.Format("2006-01-02T15:04:05.000000Z0700"))',
    ]);

    expect(sourceOf('raft-logger-caller', '3.6.5').source).toBe('server/etcdserver/zap_raft.go:78 @ v3.6.14');
    const raft = '{"level":"info","ts":"2026-11-21T16:01:45.263Z","caller":"raft/raft.go:771","msg":"979cbee16d27ceff became leader at term 3"}';
    expect(asRelease(raft, { version: '3.6.5' })).toBe(
      '{"level":"info","ts":"2026-11-21T16:01:45.263000Z","logger":"raft","caller":"etcdserver/zap_raft.go:78","msg":"979cbee16d27ceff became leader at term 3"}',
    );
    expect(asRelease(raft, { version: '3.6.5', console: true })).toBe(
      '2026-11-21T16:01:45.263000Z\tinfo\traft\tetcdserver/zap_raft.go:78\t979cbee16d27ceff became leader at term 3',
    );
    const defrag =
      '{"level":"info","ts":"2026-11-21T16:00:23.640Z","caller":"backend/backend.go:476","msg":"defragmented","path":"/x/member/snap/db","current-db-size-bytes":20480,"current-db-size":"20 kB","current-db-size-in-use-bytes":16384,"current-db-size-in-use":"16 kB","took":"15.9ms"}';
    expect(JSON.parse(asRelease(defrag, { version: '3.5.21' })!).msg).toBe('finished defragmenting directory');
    expect(sourceOf('defrag-finished', '3.5.21').text).toBe('"finished defragmenting directory",');
    expect(asRelease('{"level":"warn","ts":"2026-11-21T16:00:23.640Z","caller":"etcdserver/apply.go:636","msg":"alarm raised","alarm":"NOSPACE","from":"8e9e05c52164694d"}', { version: '3.6.5' })).toBeNull();
    expect(NAME_TABLE.messages['alarm-raised']!['3.6']).toBeUndefined();
  });
});

/**
 * Lines no recording holds, written from the source at the tag: the zap call's message and fields (cited
 * line in NAME_TABLE.messages), values as a slow cluster would fill them in.
 */
describe('3.5 and 3.6 lines written from the source', () => {
  const parse = (line: string): LogEvent => {
    const e = parseLogLine(line, 'etcd-2');
    expect(e, line).not.toBeNull();
    return e!;
  };
  const msgOf = (line: string): string => (line.startsWith('{') ? (JSON.parse(line) as { msg: string }).msg : line.split('\t')[3]!);

  const lines: Array<{ id: string; release: string; line: string; want: Partial<LogEvent> & { kind: LogEvent['kind'] } }> = [
    {
      // server/etcdserver/api/v3rpc/interceptor.go @ v3.5.33: lg.Warn("request stats", zap.Time("start time"), zap.Duration("time spent"),
      // zap.String("remote"), zap.String("response type"), zap.Int64("request count"), zap.Int("request size"),
      // zap.Int64("response count"), zap.Int("response size"), zap.String("request content"))
      id: 'request-stats',
      release: '3.5.21',
      line: '{"level":"warn","ts":"2026-11-21T16:05:00.125000Z","caller":"v3rpc/interceptor.go:197","msg":"request stats","start time":"2026-11-21T16:04:59.715000Z","time spent":"410.2ms","remote":"127.0.0.1:40112","response type":"/etcdserverpb.KV/Range","request count":0,"request size":32,"response count":200,"response size":209715400,"request content":"key:\\"/lab/big/\\" range_end:\\"/lab/big0\\" "}',
      want: { kind: 'request-stats', level: 'warn', timeSpentMs: 410.2, responseType: '/etcdserverpb.KV/Range', responseCount: 200, responseSize: 209715400, key: '/lab/big/', rangeEnd: '/lab/big0' },
    },
    {
      // server/etcdserver/api/rafthttp/peer.go @ v3.6.14: "dropped internal Raft message since sending buffer is full" with
      // message-type, local-member-id, from, remote-peer-id, remote-peer-name, remote-peer-active
      id: 'dropped-raft-message',
      release: '3.6.5',
      line: '{"level":"warn","ts":"2026-11-21T16:05:01.000001Z","caller":"rafthttp/peer.go:254","msg":"dropped internal Raft message since sending buffer is full","message-type":"MsgHeartbeat","local-member-id":"89a3495a15a0470b","from":"89a3495a15a0470b","remote-peer-id":"979cbee16d27ceff","remote-peer-name":"streamMsg","remote-peer-active":false}',
      want: { kind: 'dropped-raft-message', messageType: 'MsgHeartbeat', remotePeerId: '979cbee16d27ceff', remotePeerName: 'streamMsg', remotePeerActive: false, buffer: 'sending' },
    },
    {
      // server/etcdserver/server.go @ v3.6.14: "message exceeded backend quota; raising alarm" with quota-size-bytes, quota-size, error
      id: 'quota-exceeded',
      release: '3.6.5',
      line: '{"level":"warn","ts":"2026-11-21T16:05:02.000000Z","caller":"etcdserver/server.go:2023","msg":"message exceeded backend quota; raising alarm","quota-size-bytes":2147483648,"quota-size":"2.1 GB","error":"etcdserver: mvcc: database space exceeded"}',
      want: { kind: 'quota-alarm', stage: 'quota-exceeded', alarm: 'NOSPACE', quotaBytes: 2147483648 },
    },
    {
      // server/etcdserver/txn/util.go @ v3.6.14: "failed to apply request" with took, request, response, error
      id: 'failed-apply',
      release: '3.6.5',
      line: '{"level":"warn","ts":"2026-11-21T16:05:03.000000Z","caller":"txn/util.go:46","msg":"failed to apply request","took":"12.1µs","request":"header:<ID:7587 > put:<key:\\"/lab/x\\" value_size:1024 >","response":"size:0","error":"etcdserver: no space"}',
      want: { kind: 'failed-apply', key: '/lab/x', error: 'etcdserver: no space' },
    },
    {
      // server/etcdserver/txn/txn.go @ v3.6.14: traceutil.New("transaction"); pkg/traceutil/trace.go: "trace[%d] %s", detail,
      // duration, start, end, steps, step_count
      id: 'trace-transaction',
      release: '3.6.5',
      line: '{"level":"info","ts":"2026-11-21T16:05:04.000000Z","caller":"traceutil/trace.go:172","msg":"trace[1468226712] transaction","detail":"{read_only:true; }","duration":"612.4ms","start":"2026-11-21T16:05:03.387000Z","end":"2026-11-21T16:05:03.999400Z","steps":["trace[1468226712] \'range keys from bolt db\'  (duration: 598.2ms)"],"step_count":1}',
      want: { kind: 'trace', op: 'transaction', durationMs: 612.4 },
    },
    {
      id: 'trace-delete-range',
      release: '3.6.5',
      line: '{"level":"info","ts":"2026-11-21T16:05:05.000000Z","caller":"traceutil/trace.go:172","msg":"trace[99] delete_range","detail":"{key:/lab/x; range_end:; }","duration":"150.3ms","start":"2026-11-21T16:05:04.849000Z","end":"2026-11-21T16:05:04.999300Z","steps":["trace[99] \'process raft request\'  (duration: 150.1ms)"],"step_count":1}',
      want: { kind: 'trace', op: 'delete_range', key: '/lab/x' },
    },
    {
      // 3.6 --log-format=console: the same heartbeat warning, console-encoded.
      id: 'heartbeat-late',
      release: '3.6.5',
      line: '2026-11-21T16:05:06.266350Z\twarn\tetcdserver/raft.go:388\tleader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk\t{"to": "dcb68c82481661be", "heartbeat-interval": "100ms", "expected-duration": "200ms", "exceeded-duration": "2.406773972s"}',
      want: { kind: 'heartbeat-late', to: 'dcb68c82481661be', heartbeatIntervalMs: 100, expectedMs: 200, exceededMs: 2406.773972 },
    },
  ];

  it('a slow read-only transaction: 3.4 logs it with the prefix "read-only range ", 3.5+ with "read-only txn "; both are reads', () => {
    // etcdserver/util.go warnOfExpensiveReadOnlyTxnRequest: response `responses:<range_response_count:N> size:S`.
    const line = (prefix: string, ts: string): string =>
      `{"level":"warn","ts":"${ts}","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"312.5ms","expected-duration":"100ms","prefix":"${prefix}","request":"compare:<target:MOD key:\\"/registry/pods/a\\" mod_revision:0 > success:<request_range:<key:\\"/registry/pods/\\" range_end:\\"/registry/pods0\\" > > ","response":"responses:<range_response_count:1200 > size:5242880"}`;
    const old = parse(line('read-only range ', '2026-11-21T16:05:07.000Z'));
    const now = parse(line('read-only txn ', '2026-11-21T16:05:07.000000Z'));
    expect(sourceOf('apply-slow-txn-prefix', '3.4.23').text).toContain('"read-only range "');
    expect(sourceOf('apply-slow-txn-prefix', '3.6.5').text).toContain('"read-only txn "');
    expect(now).toMatchObject({ kind: 'apply-slow', access: 'read-only', requestType: 'txn', responseCount: 1200, responseSize: 5242880 });
    const { prefix: _a, timeText: _b, ...oldFacts } = old as LogEvent & { prefix: string };
    const { prefix: _c, timeText: _d, ...nowFacts } = now as LogEvent & { prefix: string };
    expect(nowFacts).toEqual(oldFacts);
  });

  it.each(lines)('$id ($release)', ({ id, release, line, want }) => {
    const e = parse(line);
    expect(e).toMatchObject(want);
    // The message is the one the cited source line writes in that release (or, for traces, the op it names).
    const source = sourceOf(id, release);
    const op = /^trace\[\d+\] (\S+)$/.exec(msgOf(line))?.[1];
    expect(source.text).toContain(op ? `traceutil.New("${op}"` : JSON.stringify(msgOf(line)));
  });
});
