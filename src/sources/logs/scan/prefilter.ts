import type { LogEventKind } from '../types.js';

/**
 * Cheap tests on raw bytes that decide which lines are worth parsing at all. During an incident a
 * member writes mostly INFO noise; JSON-parsing every line would make the scan as slow as jq.
 *
 * Fragments are plain text that survives every envelope (docker's json-file escapes quotes, so no
 * fragment contains a quote) and both etcd formats where the wording is shared.
 */
export const KIND_FRAGMENTS: Readonly<Record<Exclude<LogEventKind, 'other'>, readonly string[]>> = {
  'apply-slow': ['apply request took too long', 'took too long ('],
  'failed-apply': ['failed to apply request'],
  'slow-fdatasync': ['slow fdatasync', 'sync duration of'],
  'heartbeat-late': ['send out heartbeat on time'],
  'dropped-raft-message': ['buffer is full'],
  'prober-unhealthy': ['prober detected unhealthy status', 'could not connect:'],
  'clock-drift': ['prober found high clock drift', 'clock difference against peer'],
  'peer-inactive': ['became inactive'],
  'peer-active': ['became active'],
  'stream-lost': ['lost TCP streaming connection', 'lost the TCP streaming connection'],
  'readindex-retry': ['waiting for ReadIndex response took too long'],
  'readindex-timeout': ['timed out waiting for read index response'],
  'readindex-outdated': ['ignored out-of-date read index response'],
  trace: ['trace['],
  'request-stats': ['request stats'],
  leader: [
    'elected leader',
    'changed leader',
    'lost leader',
    'became leader',
    'became follower',
    'became candidate',
    'became pre-candidate',
    'starting a new election',
    'stepped down to follower',
  ],
  'quota-alarm': ['exceeded backend quota', 'alarm raised', 'raised by peer'],
  'alarm-disarmed': ['disarmed'],
  compaction: ['finished scheduled compaction'],
  defrag: ['defragment'],
  snapshot: ['triggering snapshot', 'snapshotting taking too long', 'start to snapshot'],
};

/** Markers of WARN and worse in every format: such lines are always parsed (unknown ones become `other`). */
export const SEVERE_LEVEL_FRAGMENTS: readonly string[] = [
  '"level":"warn"',
  '"level":"error"',
  '"level":"dpanic"',
  '"level":"panic"',
  '"level":"fatal"',
  '\\"level\\":\\"warn\\"',
  '\\"level\\":\\"error\\"',
  '\\"level\\":\\"fatal\\"',
  ' W | ',
  ' E | ',
  ' C | ',
  ' WARN: ',
  ' ERROR: ',
  // 3.6 --log-format=console, as written and inside docker's json-file (tabs escaped)
  '\twarn\t',
  '\terror\t',
  '\tfatal\t',
  '\\twarn\\t',
  '\\terror\\t',
];

/**
 * zap `msg` prefixes per kind, for files known to hold unescaped zap JSON (zap, CRI): the needle
 * `"msg":"apply request took too long` is both more selective and faster to search for than the bare
 * text (a longer needle lets Boyer-Moore-Horspool skip further). Kinds whose msg has no fixed start
 * (raft leadership lines begin with a member id) are absent and use the plain fragments.
 */
const ZAP_MSG_PREFIXES: Partial<Record<LogEventKind, readonly string[]>> = {
  'apply-slow': ['apply request took too long'],
  'failed-apply': ['failed to apply request'],
  'slow-fdatasync': ['slow fdatasync'],
  'heartbeat-late': ['leader failed to send out heartbeat on time'],
  'dropped-raft-message': ['dropped internal Raft message since', 'dropped Raft message since'],
  'prober-unhealthy': ['prober detected unhealthy status'],
  'clock-drift': ['prober found high clock drift'],
  'peer-inactive': ['peer became inactive'],
  'peer-active': ['peer became active'],
  'stream-lost': ['lost TCP streaming connection'],
  'readindex-retry': ['waiting for ReadIndex response took too long'],
  'readindex-timeout': ['timed out waiting for read index response'],
  'readindex-outdated': ['ignored out-of-date read index response'],
  trace: ['trace['],
  'request-stats': ['request stats'],
  'quota-alarm': ['message exceeded backend quota', 'alarm raised'],
  'alarm-disarmed': ['alarm disarmed'],
  compaction: ['finished scheduled compaction'],
  defrag: ['defragment', 'finished defragmenting'],
  snapshot: ['triggering snapshot', 'snapshotting taking too long'],
};

/** Every known zap msg start, whatever its level (peer became active is INFO, for instance). */
export const ALL_ZAP_MSG_PREFIXES: readonly string[] = [...new Set(Object.values(ZAP_MSG_PREFIXES).flat())];

/** Needles for files that hold plain zap JSON lines (possibly behind a CRI or timestamp prefix). */
export function zapNeedlesFor(kinds: readonly LogEventKind[]): string[] {
  const out = new Set<string>();
  for (const k of kinds) {
    if (k === 'other') continue;
    const prefixes = ZAP_MSG_PREFIXES[k];
    if (prefixes) for (const p of prefixes) out.add(`"msg":"${p}`);
    else for (const f of KIND_FRAGMENTS[k]) out.add(f);
  }
  return [...out];
}

export function fragmentsFor(kinds: readonly LogEventKind[] | undefined): string[] {
  const wanted = kinds ?? (Object.keys(KIND_FRAGMENTS) as Array<Exclude<LogEventKind, 'other'>>);
  const out = new Set<string>();
  for (const k of wanted) {
    if (k === 'other') continue;
    for (const f of KIND_FRAGMENTS[k]) out.add(f);
  }
  return [...out];
}

/** Whether `other` events (unclassified WARN+ lines) are asked for: then every severe line is a candidate. */
export function wantsSevere(kinds: readonly LogEventKind[] | undefined): boolean {
  return kinds === undefined || kinds.includes('other');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One regex (RE2-compatible: also used as a LogQL line filter) matching any candidate line. */
export function candidateRegexSource(kinds: readonly LogEventKind[] | undefined): string {
  const parts = fragmentsFor(kinds).map(escapeRegex);
  if (wantsSevere(kinds)) {
    // Written without quotes/backslashes so it works inside JSON, escaped JSON and text alike.
    parts.push('level.{1,6}(warn|error|dpanic|panic|fatal)', ' [WEC] \\| ', ' (WARN|ERROR): ');
    // 3.6 --log-format=console: the level between tabs after the time (escaped tabs inside docker JSON).
    parts.push('[0-9](Z|[+-][0-9]{4})(\\t|\\\\t)(warn|error|dpanic|panic|fatal)(\\t|\\\\t)');
  }
  return parts.join('|');
}
