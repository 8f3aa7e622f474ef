import { isLosslessNumber, parse, stringify } from 'lossless-json';
import { NAME_TABLE } from '../../deploy/docs/etcd-name-table.js';
import type { MessageSource } from '../../deploy/docs/etcd-name-types.js';
import { compareVersions, parseEtcdVersion, type EtcdVersion } from '../../src/diagnosis/etcd-flags/versions.js';

/**
 * A zap line written by etcd 3.4.23 (a recorded one) → the line a 3.5 or 3.6 member writes for the same
 * event, from etcd's source at the release tag (each rule names its row of NAME_TABLE.messages, which
 * holds the source line):
 *
 * - `ts` in the release's layout (zap-time): ISO8601 with milliseconds before 3.4.24 and in 3.5.0–3.5.7,
 *   `.999999Z0700` (trailing zeros trimmed) in 3.4.24+ and 3.5.8–3.5.14, `.000000Z0700` from 3.5.15;
 * - `caller` as the release's file and line of the message (`dir/file.go:N`, zap's short caller);
 * - raft lines get `"logger":"raft"` and the caller of etcd's zap raft adapter (raft-logger,
 *   raft-logger-caller), 3.5+;
 * - `defragmented` becomes `finished defragmenting directory` (defrag-finished), 3.5+;
 * - peer.go's `dropped internal Raft message since sending buffer is full (overloaded network)` loses
 *   its suffix (dropped-raft-message), 3.6;
 * - traces gain `step_count` (trace), 3.5+; `finished scheduled compaction` gains `hash` and the db sizes
 *   (compaction), 3.5+; `triggering snapshot` gains `snapshot-forced` (snapshot-triggering), 3.6;
 * - `alarm raised` and `alarm disarmed` are no longer written (alarm-raised, alarm-disarmed): null, 3.6.
 *
 * Field values are the recorded ones; a field 3.4 did not write gets the value given here (documented
 * beside it). With `console`, the line is written as 3.6's `--log-format=console` writes it (zap's console
 * encoder: tab-separated time, level, logger, caller, msg, then the fields as spaced JSON).
 */
export interface Target {
  version: string;
  console?: boolean;
}

const v = (t: string): EtcdVersion => parseEtcdVersion(t)!;
const atLeast = (r: EtcdVersion, t: string): boolean => compareVersions(r, v(t)) >= 0;
const minorOf = (r: EtcdVersion): '3.4' | '3.5' | '3.6' => `${r.major}.${r.minor}` as '3.4' | '3.5' | '3.6';

/** The release's source line for a message (the first, for the newest release of the minor). */
export function sourceOf(id: string, release: string): MessageSource {
  const m = NAME_TABLE.messages[id]?.[minorOf(v(release))]?.[0];
  if (!m) throw new Error(`no source for ${id} in ${release}`);
  return m;
}

/** zap's short caller for a source line: "server/etcdserver/txn/util.go:94 @ v3.6.14" → "txn/util.go:94". */
function shortCaller(source: string): string {
  const [path, line] = source.split(' @ ')[0]!.split(':') as [string, string];
  return `${path.split('/').slice(-2).join('/')}:${line}`;
}

/** Go's time.Format for a UTC instant: fixed (.000000), trimmed (.999999) or ISO8601 millisecond layouts. */
export function zapTime(ms: number, release: string): string {
  const r = v(release);
  const iso = new Date(Math.floor(ms)).toISOString(); // 2026-11-21T16:01:33.647Z
  const micros = String(Math.round((ms - Math.floor(ms / 1000) * 1000) * 1000)).padStart(6, '0');
  const base = iso.slice(0, 19);
  const iso8601 = (r.minor === 4 && !atLeast(r, '3.4.24')) || (r.minor === 5 && !atLeast(r, '3.5.8'));
  if (iso8601) return `${base}.${micros.slice(0, 3)}Z`;
  const fixed = r.minor >= 6 || atLeast(r, '3.5.15');
  if (fixed) return `${base}.${micros}Z`;
  const trimmed = micros.replace(/0+$/, '');
  return trimmed ? `${base}.${trimmed}Z` : `${base}Z`;
}

const RAFT_MSG = /^(raft\.node: [0-9a-f]+ (elected|changed|lost) leader|[0-9a-f]+ (became \S+ at term|is starting a new election|stepped down|received|\[))/;

/** The message row a 3.4 zap msg belongs to, when a rule applies to it. */
function rowOf(msg: string, caller: string): string | undefined {
  if (msg.startsWith('trace[')) return 'trace';
  if (RAFT_MSG.test(msg) || caller.startsWith('raft/')) return 'raft';
  for (const [id, byMinor] of Object.entries(NAME_TABLE.messages)) {
    for (const s of byMinor['3.4'] ?? []) {
      const literal = /"((?:[^"\\]|\\.)+)"/.exec(s.text)?.[1];
      if (literal && !literal.includes('%') && msg === literal) return id;
    }
  }
  return undefined;
}

type Fields = Record<string, unknown>;

/** The 3.5/3.6 line for a recorded 3.4.23 zap line, or null when that release writes none. */
export function asRelease(line: string, target: Target): string | null {
  const r = v(target.version);
  if (r.minor === 4) return line;
  const f = parse(line) as Fields;
  const msg = f['msg'] as string;
  const caller = (f['caller'] as string | undefined) ?? '';
  const row = rowOf(msg, caller);
  const out: Fields = { level: f['level'], ts: zapTime(parseTs(f['ts'] as string), target.version) };
  let newMsg = msg;
  let newCaller = caller;
  const extra: Fields = {};
  if (row === 'raft') {
    out['logger'] = 'raft';
    newCaller = shortCaller(sourceOf('raft-logger-caller', target.version).source);
  } else if (row === 'trace') {
    newCaller = shortCaller(sourceOf('trace', target.version).source);
    extra['step_count'] = Array.isArray(f['steps']) ? f['steps'].length : 0;
  } else if (row === 'alarm-raised' || row === 'alarm-disarmed') {
    if (r.minor >= 6) return null;
    newCaller = shortCaller(sourceOf(row, target.version).source);
  } else if (row === 'defrag-finished') {
    newMsg = 'finished defragmenting directory';
    newCaller = shortCaller(sourceOf('defrag-finished', target.version).source);
  } else if (row === 'dropped-raft-message' && caller.startsWith('rafthttp/peer.go') && r.minor >= 6) {
    newMsg = 'dropped internal Raft message since sending buffer is full';
    newCaller = shortCaller(sourceOf(row, target.version).source);
  } else if (row !== undefined) {
    newCaller = shortCaller(sourceOf(row, target.version).source);
  }
  if (row === 'compaction' && f['hash'] === undefined) {
    // 3.5 writes the KV hash and the db sizes after compacting; 3.4.23 did not. Values: a hash and the
    // 20 KiB file of a small test cluster (the recorded 3.4 line carries none to copy).
    Object.assign(extra, {
      hash: 2394745186,
      'current-db-size-bytes': 20480,
      'current-db-size': '20 kB',
      'current-db-size-in-use-bytes': 16384,
      'current-db-size-in-use': '16 kB',
    });
  }
  if (row === 'snapshot-triggering' && r.minor >= 6) extra['snapshot-forced'] = false;
  out['caller'] = newCaller;
  out['msg'] = newMsg;
  for (const [k, val] of Object.entries(f)) if (!['level', 'ts', 'logger', 'caller', 'msg'].includes(k)) out[k] = val;
  Object.assign(out, extra);
  return target.console ? consoleLine(out) : stringify(out)!;
}

function parseTs(ts: string): number {
  const ms = Date.parse(ts);
  if (!Number.isFinite(ms)) throw new Error(`not a zap ts: ${ts}`);
  return ms;
}

/** zap's console encoder: tab-separated entry, then the fields as JSON with ": " and ", ". */
function consoleLine(f: Fields): string {
  const head = [f['ts'], f['level'], ...(f['logger'] ? [f['logger']] : []), f['caller'], f['msg']].map(String).join('\t');
  const rest = Object.entries(f).filter(([k]) => !['ts', 'level', 'logger', 'caller', 'msg'].includes(k));
  if (rest.length === 0) return head;
  const value = (x: unknown): string => (isLosslessNumber(x) ? x.toString() : Array.isArray(x) ? `[${x.map(value).join(', ')}]` : stringify(x)!);
  return `${head}\t{${rest.map(([k, x]) => `${JSON.stringify(k)}: ${value(x)}`).join(', ')}}`;
}
