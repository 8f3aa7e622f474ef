import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LineMatcher } from '../../../src/sources/logs/scan/line-match.js';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import { candidateRegexSource } from '../../../src/sources/logs/scan/prefilter.js';
import { LOG_EVENT_KINDS, type LogEvent, type LogEventKind } from '../../../src/sources/logs/types.js';

/**
 * The pre-filter decides on raw bytes before any parsing. It may let noise through (the parser sorts
 * it out) but must never drop a line whose event the diagnosis keeps: checked here against parsing
 * every line of the recorded logs, in every envelope.
 */
const FIXTURES = [
  'etcd-3.4.23-single-zap.jsonl',
  'etcd-3.4.23-3member-m1-zap.jsonl',
  'etcd-3.4.23-3member-m2-zap.jsonl',
  'etcd-3.4.23-3member-m3-zap.jsonl',
  'etcd-3.4.23-single-capnslog.txt',
];
const SEVERE = new Set(['warn', 'error', 'critical', 'panic', 'fatal']);

const REFERENCE_EXTRA = [
  '{"level":"warn","ts":"2024-11-27T13:48:13.28801Z","caller":"rafthttp/probing_status.go:68","msg":"prober detected unhealthy status","round-tripper-name":"ROUND_TRIPPER_SNAPSHOT","remote-peer-id":"f73dbd56eea24556","rtt":"0s","error":"dial tcp 10.27.50.152:2380: connect: connection refused"}',
  '{"level":"info","ts":"2025-01-13T12:56:15.947285Z","logger":"raft","caller":"etcdserver/zap_raft.go:77","msg":"39e3f227d2d33a6d is starting a new election at term 63"}',
  '{"level":"warn","ts":"2024-01-01T00:00:00.5Z","caller":"wal/wal.go:806","msg":"slow fdatasync","took":"1.3s","expected-duration":"1s"}',
  '{"level":"info","ts":"2024-01-01T00:00:00.5Z","caller":"mvcc/kvstore_compaction.go:56","msg":"finished scheduled compaction","compact-revision":6,"took":"16.958µs"}',
  '{"level":"warn","ts":"2024-01-01T00:00:00.5Z","caller":"etcdserver/server.go:1","msg":"alarm raised","alarm":"NOSPACE","from":"8e9e05c52164694d"}',
  '2018-10-25 16:20:35.185438 W | wal: sync duration of 1.134771573s, expected less than 1s',
  '2021-09-11 14:44:50.924672 I | raft: raft.node: 305e2d98af38bb40 lost leader 305e2d98af38bb40 at term 29',
];

function allLines(): string[] {
  const lines = FIXTURES.flatMap((f) => readFileSync(new URL(`../../fixtures/logs/${f}`, import.meta.url), 'utf8').split('\n').filter(Boolean));
  return [...lines, ...REFERENCE_EXTRA];
}

const envelopes: Array<[string, (l: string, i: number) => string]> = [
  ['plain', (l) => l],
  ['cri', (l, i) => `2026-11-21T16:01:${String(i % 60).padStart(2, '0')}.123456789Z stderr F ${l}`],
  ['k8s-timestamp', (l) => `2026-11-21T16:01:40.123456789Z ${l}`],
  ['docker', (l) => JSON.stringify({ log: `${l}\n`, stream: 'stderr', time: '2026-11-21T16:01:40.1Z' })],
  ['journald', (l) => JSON.stringify({ __REALTIME_TIMESTAMP: '1795276900000000', MESSAGE: l })],
];

function kept(e: LogEvent | null, kinds?: readonly LogEventKind[]): boolean {
  if (e === null) return false;
  return kinds ? kinds.includes(e.kind) : e.kind !== 'other' || SEVERE.has(e.level);
}

function candidates(lines: string[], matcher: LineMatcher): Set<number> {
  const buf = Buffer.from(lines.join('\n') + '\n');
  const starts: number[] = [];
  let p = 0;
  for (const l of lines) {
    starts.push(p);
    p += Buffer.byteLength(l) + 1;
  }
  const out = new Set<number>();
  const n = matcher.scan(buf, 0, buf.length, (s) => {
    out.add(starts.indexOf(s));
  });
  expect(n).toBe(lines.length);
  return out;
}

describe('pre-filter never drops a kept event', () => {
  const base = allLines();
  it.each(envelopes)('all kinds, %s lines', (_name, wrap) => {
    const lines = base.map(wrap);
    const cand = candidates(lines, new LineMatcher());
    const missed = lines.filter((l, i) => kept(parseLogLine(l, 'm')) && !cand.has(i));
    expect(missed).toEqual([]);
    // …and it does filter: most INFO noise is not a candidate.
    expect(cand.size).toBeLessThan(lines.length * 0.75);
  });

  const kindSets: LogEventKind[][] = [['apply-slow'], ['trace', 'leader'], ['heartbeat-late', 'readindex-retry', 'peer-inactive'], ['compaction', 'defrag', 'snapshot']];
  it.each(kindSets.map((k) => [k.join(','), k] as const))('kinds %s, zap needles and plain fragments', (_n, kinds) => {
    for (const [name, wrap] of envelopes) {
      const lines = base.map(wrap);
      const plainZap = name === 'plain' || name === 'cri' || name === 'k8s-timestamp';
      const cand = candidates(lines, new LineMatcher(kinds));
      const missed = lines.filter((l, i) => kept(parseLogLine(l, 'm'), kinds) && !cand.has(i));
      expect(missed, `${name} ${kinds.join(',')}`).toEqual([]);
      if (plainZap) {
        // The zap needles are for files declared zap/CRI: only zap lines are expected there.
        const zapCand = candidates(lines, new LineMatcher(kinds, true));
        const zapMissed = lines.filter((l, i) => {
          const e = parseLogLine(l, 'm');
          return e?.format === 'zap' && kept(e, kinds) && !zapCand.has(i);
        });
        expect(zapMissed, `zap needles, ${name} ${kinds.join(',')}`).toEqual([]);
      }
    }
  });

  it('every kind except other has fragments, and the Loki regex compiles for each', () => {
    for (const k of LOG_EVENT_KINDS) {
      const src = candidateRegexSource([k]);
      expect(() => new RegExp(src)).not.toThrow();
      if (k !== 'other') expect(src.length).toBeGreaterThan(0);
    }
  });
});
