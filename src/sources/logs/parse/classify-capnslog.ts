import { parseGoDuration } from './parse-duration.js';
import { parseRaftLeaderMessage } from './parse-raft-message.js';
import { applySlowEvent, unquoteGo } from './parse-request.js';
import type { LogEventDetail } from '../types.js';

/**
 * 3.4 capnslog texts (the default logger of 3.4, gone in 3.5). Same facts as the zap messages, written
 * as printf text, so each has its own pattern. Only the ones the diagnosis uses are recognised.
 */

const ms = (t: string | undefined): number | null => (t === undefined ? null : parseGoDuration(t));

type Rule = [RegExp, (m: RegExpExecArray) => LogEventDetail];

// %q strings: a double-quoted Go literal with \" escapes inside.
const Q = '("(?:[^"\\\\]|\\\\.)*")';

const RULES: readonly Rule[] = [
  [
    new RegExp(`^(read-only range |read-only txn |)request ${Q} with result ${Q} took too long \\(([^)]+)\\) to execute`),
    (m) => {
      const prefix = m[1] ?? '';
      const request = unquoteGo(m[2]!) ?? m[2]!;
      const response = unquoteGo(m[3]!) ?? m[3]!;
      return applySlowEvent({
        tookMs: ms(m[4]) ?? 0,
        // 3.4's capnslog text does not print the threshold; it is the hard-coded 100 ms there.
        expectedMs: null,
        prefix,
        request,
        response,
        error: /^error:/.test(response) ? response.slice(6).trim() : null,
      });
    },
  ],
  [
    /^sync duration of (\S+), expected less than (\S+)$/,
    (m) => ({ kind: 'slow-fdatasync', tookMs: ms(m[1]) ?? 0, expectedMs: ms(m[2]) }),
  ],
  [
    /^failed to send out heartbeat on time \(exceeded the (\S+) timeout for (\S+), to ([0-9a-f]+)\)/,
    (m) => {
      const interval = ms(m[1]);
      return {
        kind: 'heartbeat-late',
        to: m[3]!,
        heartbeatIntervalMs: interval,
        expectedMs: interval === null ? null : 2 * interval,
        exceededMs: ms(m[2]),
      };
    },
  ],
  [
    /^dropped internal raft message to ([0-9a-f]+) since (\S+)'s (sending|receiving) buffer is full/,
    (m) => ({
      kind: 'dropped-raft-message',
      messageType: null,
      localMemberId: null,
      remotePeerId: m[1]!,
      remotePeerName: m[2]!,
      remotePeerActive: null,
      buffer: m[3] === 'receiving' ? 'receiving' : 'sending',
    }),
  ],
  [
    /^dropped (Msg\w+) to ([0-9a-f]+) since (\S+)'s (sending|receiving) buffer is full/,
    (m) => ({
      kind: 'dropped-raft-message',
      messageType: m[1]!,
      localMemberId: null,
      remotePeerId: m[2]!,
      remotePeerName: m[3]!,
      remotePeerActive: null,
      buffer: m[4] === 'receiving' ? 'receiving' : 'sending',
    }),
  ],
  [
    /^health check for peer ([0-9a-f]+) could not connect: (.*)$/,
    (m) => ({ kind: 'prober-unhealthy', roundTripper: null, remotePeerId: m[1]!, rttMs: null, error: m[2]! }),
  ],
  [
    /^the clock difference against peer ([0-9a-f]+) is too high \[(\S+) > \S+\]/,
    (m) => ({ kind: 'clock-drift', remotePeerId: m[1]!, clockDriftMs: ms(m[2]), rttMs: null }),
  ],
  [
    /^lost the TCP streaming connection with peer ([0-9a-f]+) \(([^)]*)\)/,
    (m) => ({ kind: 'stream-lost', peerId: m[1]!, streamType: m[2]!, error: null }),
  ],
  [
    /^peer ([0-9a-f]+) became inactive(?: \(message send to peer failed\))?/,
    (m) => ({ kind: 'peer-inactive', peerId: m[1]!, streamType: null, error: null }),
  ],
  [/^peer ([0-9a-f]+) became active/, (m) => ({ kind: 'peer-active', peerId: m[1]!, streamType: null, error: null })],
  [
    /^timed out waiting for read index response/,
    () => ({ kind: 'readindex-timeout', timeoutMs: null }),
  ],
  [/^alarm (\S+) raised by peer ([0-9a-f]+)/, (m) => ({ kind: 'quota-alarm', stage: 'alarm-raised', alarm: m[1]!, from: m[2]!, quotaBytes: null })],
  [/^alarm (\S+) disarmed/, (m) => ({ kind: 'alarm-disarmed', alarm: m[1]! })],
  [
    /^finished scheduled compaction at (\d+) \(took ([^)]+)\)/,
    (m) => ({ kind: 'compaction', tookMs: ms(m[2]), revision: Number(m[1]), dbSizeBytes: null, dbSizeInUseBytes: null }),
  ],
  [/^starting to defragment the storage backend/, () => ({ kind: 'defrag', phase: 'started', tookMs: null, dbSizeBytes: null, dbSizeInUseBytes: null })],
  [/^finished defragmenting the storage backend/, () => ({ kind: 'defrag', phase: 'finished', tookMs: null, dbSizeBytes: null, dbSizeInUseBytes: null })],
  [
    /^start to snapshot \(applied: (\d+), lastsnap: (\d+)\)/,
    (m) => ({
      kind: 'snapshot',
      phase: 'triggering',
      appliedIndex: Number(m[1]),
      snapshotIndex: Number(m[2]),
      snapshotCount: null,
      takingMs: null,
      bytes: null,
    }),
  ],
];

/** `text` is what follows `<pkg>: ` in a capnslog line, or the message of a 3.4 raft log line. */
export function classifyCapnslog(text: string): LogEventDetail {
  for (const [re, build] of RULES) {
    const m = re.exec(text);
    if (m) return build(m);
  }
  return parseRaftLeaderMessage(text) ?? { kind: 'other' };
}
