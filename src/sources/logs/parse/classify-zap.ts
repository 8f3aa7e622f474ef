import { parseGoDuration } from './parse-duration.js';
import { bool, idText, num, str, type JsonFields } from './parse-json.js';
import { parseRaftLeaderMessage } from './parse-raft-message.js';
import { applySlowEvent, extractKeyRange } from './parse-request.js';
import { isTraceMsg, parseTrace } from './parse-trace.js';
import type { LogEventDetail } from '../types.js';

/**
 * zap `msg` + fields → typed detail. Message texts are matched exactly or by a stable prefix where
 * versions differ (3.6 drops " (overloaded network)" from the dropped-message warning).
 */

const dur = (f: JsonFields, k: string): number | null => parseGoDuration(str(f, k));

function applySlow(f: JsonFields): LogEventDetail {
  return applySlowEvent({
    tookMs: dur(f, 'took') ?? 0,
    expectedMs: dur(f, 'expected-duration'),
    prefix: str(f, 'prefix') ?? '',
    request: str(f, 'request') ?? '',
    response: str(f, 'response'),
    error: str(f, 'error'),
  });
}

function requestStats(f: JsonFields): LogEventDetail {
  const content = str(f, 'request content');
  const { key, rangeEnd } = extractKeyRange(content);
  return {
    kind: 'request-stats',
    timeSpentMs: dur(f, 'time spent'),
    remote: str(f, 'remote'),
    responseType: str(f, 'response type'),
    requestCount: num(f, 'request count'),
    requestSize: num(f, 'request size'),
    responseCount: num(f, 'response count'),
    responseSize: num(f, 'response size'),
    requestContent: content,
    key,
    rangeEnd,
  };
}

type Classifier = (f: JsonFields, msg: string) => LogEventDetail | null;

/** Exact msg texts (a Map: a msg such as "constructor" must not find Object.prototype). */
const EXACT = new Map<string, Classifier>(Object.entries({
  'apply request took too long': applySlow,
  'failed to apply request': (f) => {
    const request = str(f, 'request') ?? '';
    return { kind: 'failed-apply', tookMs: dur(f, 'took'), request, key: extractKeyRange(request).key, error: str(f, 'error') };
  },
  'slow fdatasync': (f) => ({ kind: 'slow-fdatasync', tookMs: dur(f, 'took') ?? 0, expectedMs: dur(f, 'expected-duration') }),
  'prober detected unhealthy status': (f) => ({
    kind: 'prober-unhealthy',
    roundTripper: str(f, 'round-tripper-name'),
    remotePeerId: idText(f, 'remote-peer-id'),
    rttMs: dur(f, 'rtt'),
    error: str(f, 'error'),
  }),
  'prober found high clock drift': (f) => ({
    kind: 'clock-drift',
    remotePeerId: idText(f, 'remote-peer-id'),
    clockDriftMs: dur(f, 'clock-drift'),
    rttMs: dur(f, 'rtt'),
  }),
  'lost TCP streaming connection with remote peer': (f) => ({
    kind: 'stream-lost',
    peerId: idText(f, 'remote-peer-id'),
    streamType: str(f, 'stream-reader-type') ?? str(f, 'stream-writer-type'),
    error: str(f, 'error'),
  }),
  'peer became inactive (message send to peer failed)': (f) => ({
    kind: 'peer-inactive',
    peerId: idText(f, 'peer-id') ?? idText(f, 'remote-peer-id'),
    streamType: null,
    error: str(f, 'error'),
  }),
  'peer became active': (f) => ({
    kind: 'peer-active',
    peerId: idText(f, 'peer-id') ?? idText(f, 'remote-peer-id'),
    streamType: null,
    error: null,
  }),
  'waiting for ReadIndex response took too long, retrying': (f) => ({
    kind: 'readindex-retry',
    sentRequestId: idText(f, 'sent-request-id'),
    retryTimeoutMs: dur(f, 'retry-timeout'),
  }),
  'timed out waiting for read index response (local node might have slow network)': (f) => ({
    kind: 'readindex-timeout',
    timeoutMs: dur(f, 'timeout'),
  }),
  'request stats': requestStats,
  'message exceeded backend quota; raising alarm': (f) => ({
    kind: 'quota-alarm',
    stage: 'quota-exceeded',
    alarm: 'NOSPACE',
    from: null,
    quotaBytes: num(f, 'quota-size-bytes'),
  }),
  'alarm raised': (f) => ({ kind: 'quota-alarm', stage: 'alarm-raised', alarm: str(f, 'alarm'), from: idText(f, 'from'), quotaBytes: null }),
  'alarm disarmed': (f) => ({ kind: 'alarm-disarmed', alarm: str(f, 'alarm') }),
  'finished scheduled compaction': (f) => ({
    kind: 'compaction',
    tookMs: dur(f, 'took'),
    revision: num(f, 'compact-revision'),
    dbSizeBytes: num(f, 'current-db-size-bytes'),
    dbSizeInUseBytes: num(f, 'current-db-size-in-use-bytes'),
  }),
  defragmenting: (f) => ({
    kind: 'defrag',
    phase: 'started',
    tookMs: null,
    dbSizeBytes: num(f, 'current-db-size-bytes'),
    dbSizeInUseBytes: num(f, 'current-db-size-in-use-bytes'),
  }),
  defragmented: (f) => defragFinished(f),
  'finished defragmenting directory': (f) => defragFinished(f),
  'triggering snapshot': (f) => ({
    kind: 'snapshot',
    phase: 'triggering',
    appliedIndex: num(f, 'local-member-applied-index'),
    snapshotIndex: num(f, 'local-member-snapshot-index'),
    snapshotCount: num(f, 'local-member-snapshot-count'),
    takingMs: null,
    bytes: null,
  }),
  'snapshotting taking too long to transfer': (f) => ({
    kind: 'snapshot',
    phase: 'slow-transfer',
    appliedIndex: null,
    snapshotIndex: null,
    snapshotCount: null,
    takingMs: dur(f, 'taking'),
    bytes: num(f, 'bytes'),
  }),
} satisfies Record<string, Classifier>));

function defragFinished(f: JsonFields): LogEventDetail {
  return {
    kind: 'defrag',
    phase: 'finished',
    tookMs: dur(f, 'took'),
    dbSizeBytes: num(f, 'current-db-size-bytes'),
    dbSizeInUseBytes: num(f, 'current-db-size-in-use-bytes'),
  };
}

/** Stable prefixes for messages whose tail changed between versions. */
const PREFIX: ReadonlyArray<[string, Classifier]> = [
  [
    'leader failed to send out heartbeat on time',
    (f) => ({
      kind: 'heartbeat-late',
      to: idText(f, 'to'),
      heartbeatIntervalMs: dur(f, 'heartbeat-interval'),
      expectedMs: dur(f, 'expected-duration'),
      exceededMs: dur(f, 'exceeded-duration'),
    }),
  ],
  ['dropped internal Raft message since', (f, msg) => dropped(f, msg)],
  ['dropped Raft message since', (f, msg) => dropped(f, msg)],
  ['ignored out-of-date read index response', (f) => ({ kind: 'readindex-outdated', receivedRequestId: idText(f, 'received-request-id') })],
];

function dropped(f: JsonFields, msg: string): LogEventDetail {
  return {
    kind: 'dropped-raft-message',
    messageType: str(f, 'message-type'),
    localMemberId: idText(f, 'local-member-id'),
    remotePeerId: idText(f, 'remote-peer-id'),
    remotePeerName: str(f, 'remote-peer-name'),
    remotePeerActive: bool(f, 'remote-peer-active'),
    buffer: msg.includes('receiving buffer') ? 'receiving' : 'sending',
  };
}

export function classifyZap(msg: string, f: JsonFields): LogEventDetail {
  const exact = EXACT.get(msg);
  if (exact) return exact(f, msg) ?? { kind: 'other' };
  if (isTraceMsg(msg)) return parseTrace(msg, f) ?? { kind: 'other' };
  for (const [prefix, classify] of PREFIX) {
    if (msg.startsWith(prefix)) return classify(f, msg) ?? { kind: 'other' };
  }
  return parseRaftLeaderMessage(msg) ?? { kind: 'other' };
}
