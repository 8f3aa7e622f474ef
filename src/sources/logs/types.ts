/**
 * What the diagnosis gets from etcd logs: one typed event per interesting line, whatever the source
 * (file, Kubernetes pod log, Loki) and whatever the line format (zap JSON, 3.4 capnslog text, inside a
 * CRI / docker / kubectl / journald envelope).
 *
 * uint64 identifiers (member ids, request ids) are kept as strings: a JavaScript number would silently
 * round them (1859580948208150369 is not representable).
 */

export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'critical' | 'panic' | 'fatal' | 'unknown';

/** How the etcd line itself was written (after any envelope was removed). */
/** zap-console: 3.6's `--log-format=console` (tab-separated, fields as JSON at the end). */
export type LineFormat = 'zap' | 'zap-console' | 'capnslog' | 'raft-golog' | 'text';
/** The wrapper around the etcd line, if any. */
export type EnvelopeFormat = 'none' | 'cri' | 'docker' | 'k8s-timestamp' | 'journald';

export interface LogEventBase {
  /** Milliseconds since the epoch (UTC). */
  time: number;
  /** The timestamp exactly as written in the line (or the envelope when the line has none). */
  timeText: string;
  /** The member label value of the source that produced the line, e.g. etcd-2. */
  member: string;
  level: LogLevel;
  /** zap `msg`, or the text after the package name for capnslog lines. */
  msg: string;
  format: LineFormat;
  envelope: EnvelopeFormat;
  /** zap `caller` or capnslog package, when known. */
  caller: string | null;
}

/** Read-only requests are the expensive-request suspects; writes point to commit/apply and disk. */
export type RequestAccess = 'read-only' | 'write';
export type RequestType =
  | 'range'
  | 'put'
  | 'delete_range'
  | 'txn'
  | 'compaction'
  | 'lease_grant'
  | 'lease_revoke'
  | 'auth'
  | 'other';

export interface ApplySlowEvent {
  kind: 'apply-slow';
  tookMs: number;
  expectedMs: number | null;
  /** The raw `prefix` field: "" for writes, "read-only range " or "read-only txn ". */
  prefix: string;
  access: RequestAccess;
  requestType: RequestType;
  request: string;
  key: string | null;
  rangeEnd: string | null;
  response: string | null;
  responseCount: number | null;
  responseSize: number | null;
  error: string | null;
}

export interface FailedApplyEvent {
  kind: 'failed-apply';
  tookMs: number | null;
  request: string;
  key: string | null;
  error: string | null;
}

export interface SlowFdatasyncEvent {
  kind: 'slow-fdatasync';
  tookMs: number;
  expectedMs: number | null;
}

export interface HeartbeatLateEvent {
  kind: 'heartbeat-late';
  /** Remote member id (hex), when logged. */
  to: string | null;
  heartbeatIntervalMs: number | null;
  expectedMs: number | null;
  exceededMs: number | null;
}

export interface DroppedRaftMessageEvent {
  kind: 'dropped-raft-message';
  messageType: string | null;
  localMemberId: string | null;
  remotePeerId: string | null;
  /** pipeline, streamMsg, streamMsgAppV2 (3.5+). */
  remotePeerName: string | null;
  remotePeerActive: boolean | null;
  buffer: 'sending' | 'receiving';
}

export interface ProberUnhealthyEvent {
  kind: 'prober-unhealthy';
  roundTripper: string | null;
  remotePeerId: string | null;
  rttMs: number | null;
  error: string | null;
}

export interface ClockDriftEvent {
  kind: 'clock-drift';
  remotePeerId: string | null;
  clockDriftMs: number | null;
  rttMs: number | null;
}

export interface PeerStatusEvent {
  kind: 'peer-inactive' | 'peer-active' | 'stream-lost';
  peerId: string | null;
  /** e.g. "stream MsgApp v2", from stream-reader-type / stream-writer-type. */
  streamType: string | null;
  error: string | null;
}

export interface ReadIndexRetryEvent {
  kind: 'readindex-retry';
  /** uint64 in decimal, exact. */
  sentRequestId: string | null;
  retryTimeoutMs: number | null;
}

export interface ReadIndexTimeoutEvent {
  kind: 'readindex-timeout';
  timeoutMs: number | null;
}

export interface ReadIndexOutdatedEvent {
  kind: 'readindex-outdated';
  receivedRequestId: string | null;
}

export type TraceOp =
  | 'range'
  | 'put'
  | 'transaction'
  | 'compact'
  | 'linearizableReadLoop'
  | 'delete_range'
  | 'other';

export interface TraceStep {
  name: string;
  durationMs: number;
  /** The `{k:v; }` block some steps carry (e.g. req_type, range_begin). */
  fields: Record<string, string>;
}

export interface TraceEvent {
  kind: 'trace';
  op: TraceOp;
  /** The op text as written when it is not one we know (else equal to op). */
  opText: string;
  traceId: string;
  durationMs: number | null;
  detail: Record<string, string>;
  steps: TraceStep[];
  /** The step that took the longest: where the time went. */
  dominantStep: TraceStep | null;
  /** Convenience copies of detail keys used for grouping. */
  key: string | null;
  rangeEnd: string | null;
  responseCount: number | null;
}

export interface RequestStatsEvent {
  kind: 'request-stats';
  timeSpentMs: number | null;
  remote: string | null;
  /** e.g. /etcdserverpb.KV/Range */
  responseType: string | null;
  requestCount: number | null;
  requestSize: number | null;
  responseCount: number | null;
  responseSize: number | null;
  requestContent: string | null;
  key: string | null;
  rangeEnd: string | null;
}

export type LeaderChange =
  | 'elected'
  | 'changed'
  | 'lost'
  | 'became-leader'
  | 'became-follower'
  | 'became-candidate'
  | 'became-pre-candidate'
  | 'election-started'
  | 'stepped-down';

export interface LeaderEvent {
  kind: 'leader';
  change: LeaderChange;
  term: number | null;
  /** The raft node that logged the line (hex id). */
  nodeId: string | null;
  /** The leader after the event (elected/changed/became-leader), or the lost one (lost). */
  leaderId: string | null;
  /** For `changed`: the previous leader. */
  previousLeaderId: string | null;
}

export interface QuotaAlarmEvent {
  kind: 'quota-alarm';
  stage: 'quota-exceeded' | 'alarm-raised';
  alarm: string | null;
  from: string | null;
  quotaBytes: number | null;
}

export interface AlarmDisarmedEvent {
  kind: 'alarm-disarmed';
  alarm: string | null;
}

export interface CompactionEvent {
  kind: 'compaction';
  tookMs: number | null;
  revision: number | null;
  dbSizeBytes: number | null;
  dbSizeInUseBytes: number | null;
}

export interface DefragEvent {
  kind: 'defrag';
  phase: 'started' | 'finished';
  tookMs: number | null;
  dbSizeBytes: number | null;
  dbSizeInUseBytes: number | null;
}

export interface SnapshotEvent {
  kind: 'snapshot';
  phase: 'triggering' | 'slow-transfer';
  appliedIndex: number | null;
  snapshotIndex: number | null;
  snapshotCount: number | null;
  /** slow-transfer only: how long it has been sending so far. */
  takingMs: number | null;
  bytes: number | null;
}

export interface OtherEvent {
  kind: 'other';
}

export type LogEventDetail =
  | ApplySlowEvent
  | FailedApplyEvent
  | SlowFdatasyncEvent
  | HeartbeatLateEvent
  | DroppedRaftMessageEvent
  | ProberUnhealthyEvent
  | ClockDriftEvent
  | PeerStatusEvent
  | ReadIndexRetryEvent
  | ReadIndexTimeoutEvent
  | ReadIndexOutdatedEvent
  | TraceEvent
  | RequestStatsEvent
  | LeaderEvent
  | QuotaAlarmEvent
  | AlarmDisarmedEvent
  | CompactionEvent
  | DefragEvent
  | SnapshotEvent
  | OtherEvent;

export type LogEvent = LogEventBase & LogEventDetail;
export type LogEventKind = LogEventDetail['kind'];
export type LogEventOf<K extends LogEventKind> = LogEventBase & Extract<LogEventDetail, { kind: K }>;

export const LOG_EVENT_KINDS: readonly LogEventKind[] = [
  'apply-slow',
  'failed-apply',
  'slow-fdatasync',
  'heartbeat-late',
  'dropped-raft-message',
  'prober-unhealthy',
  'clock-drift',
  'peer-inactive',
  'peer-active',
  'stream-lost',
  'readindex-retry',
  'readindex-timeout',
  'readindex-outdated',
  'trace',
  'request-stats',
  'leader',
  'quota-alarm',
  'alarm-disarmed',
  'compaction',
  'defrag',
  'snapshot',
  'other',
];

/** Bounds on one fetch, per member. Logs are big during incidents; the bot must stay small. */
export interface LogLimits {
  /** Bytes read from the source (file bytes, HTTP body bytes). */
  maxBytes: number;
  /** Lines read from the source. */
  maxLines: number;
  /** Events kept (after filtering). */
  maxEvents: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxLines: 5_000_000,
  maxEvents: 20_000,
};

export interface LogFetchQuery {
  /** Window, ms since the epoch, inclusive. */
  start: number;
  end: number;
  /** Aborting it ends the fetch; what was read so far is returned with truncated reason "deadline". */
  signal: AbortSignal;
  limits?: Partial<LogLimits>;
  /**
   * Only these kinds (faster: the scan looks for their fixed text only). Omitted: every kind, plus
   * `other` for warnings and errors we do not classify.
   */
  kinds?: readonly LogEventKind[];
}

export interface MemberLogStats {
  linesRead: number;
  bytesRead: number;
  /** Lines that passed the pre-filter and parsed into an event inside the window. */
  linesMatched: number;
  /** Lines that looked interesting but could not be parsed (never fatal). */
  linesUnparsed: number;
}

export type TruncationReason = 'bytes' | 'lines' | 'events' | 'deadline' | 'pages';

export interface LogTruncation {
  source: string;
  member: string;
  reason: TruncationReason;
  detail: string;
}

export interface LogSourceError {
  source: string;
  /** null when the whole source failed (e.g. bad configuration), not one member. */
  member: string | null;
  message: string;
}

export interface LogFetchResult {
  /** Sorted by time. */
  events: LogEvent[];
  stats: Record<string, MemberLogStats>;
  truncated: LogTruncation[];
  errors: LogSourceError[];
}

export interface LogSource {
  /** Short description for errors and reports, e.g. "file /var/log/etcd-2.log". */
  readonly name: string;
  /** The member label values this source covers. */
  readonly members: readonly string[];
  /** Never rejects: failures are reported in `errors`, alongside whatever was read. */
  fetch(q: LogFetchQuery): Promise<LogFetchResult>;
  close?(): Promise<void>;
}
