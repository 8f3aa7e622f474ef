import { classifyCapnslog } from './classify-capnslog.js';
import { classifyZap } from './classify-zap.js';
import { parseJsonObject, str } from './parse-json.js';
import { unwrapEnvelope, type Unwrapped } from './parse-envelope.js';
import { parseGoLogTimestamp, parseTimestamp } from './parse-time.js';
import type { EnvelopeFormat, LineFormat, LogEvent, LogEventDetail, LogLevel } from '../types.js';

/**
 * One raw line (any supported envelope, any etcd format) → a LogEvent, or null when the line carries
 * nothing usable (no time, broken JSON, an empty journald MESSAGE). Never throws.
 */

const ZAP_LEVELS: Record<string, LogLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  dpanic: 'panic',
  panic: 'panic',
  fatal: 'fatal',
};
/** zap's `level` value → our level. */
export function zapLevel(text: string | null): LogLevel {
  return ZAP_LEVELS[text ?? ''] ?? 'unknown';
}

const CAPNSLOG_LEVELS: Record<string, LogLevel> = { C: 'critical', E: 'error', W: 'warn', N: 'notice', I: 'info', D: 'debug' };
const GOLOG_LEVELS: Record<string, LogLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  WARNING: 'warn',
  ERROR: 'error',
  PANIC: 'panic',
  FATAL: 'fatal',
};

// capnslog: 2018-10-11 08:36:19.724999 W | etcdserver: <text>
const CAPNSLOG = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) ([CEWNID]) \| ([^:]+?): ([\s\S]*)$/;
// 3.4 raft under capnslog goes through Go's log package with prefix "raft": raft2026/11/21 16:02:00 INFO: <text>
const RAFT_GOLOG = /^raft(\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) ([A-Z]+): ([\s\S]*)$/;

/**
 * 3.6 `--log-format=console`: zap's console encoder with etcd's encoder config, tab-separated: time, level,
 * logger name (raft lines: `raft`), caller, msg, then the fields as one JSON object when there are any.
 */
const ZAP_CONSOLE = /^(\d{4}-\d\d-\d\dT[^\t]+)\t(debug|info|warn|error|dpanic|panic|fatal)\t(?:[A-Za-z][\w.-]*\t)?([\w./-]+\.go:\d+)\t([^\t]*)(?:\t(\{.*\}))?$/;

interface Parsed {
  time: number | null;
  timeText: string | null;
  level: LogLevel;
  msg: string;
  format: LineFormat;
  caller: string | null;
  detail: LogEventDetail;
}

function parseZap(inner: string): Parsed | null {
  const f = parseJsonObject(inner);
  if (f === null) return null;
  const msg = str(f, 'msg');
  if (msg === null) return null;
  const ts = str(f, 'ts');
  return {
    time: ts === null ? null : parseTimestamp(ts),
    timeText: ts,
    level: zapLevel(str(f, 'level')),
    msg,
    format: 'zap',
    caller: str(f, 'caller'),
    detail: classifyZap(msg, f),
  };
}

function parseZapConsole(m: RegExpExecArray): Parsed | null {
  const f = m[5] === undefined ? {} : parseJsonObject(m[5]);
  if (f === null) return null;
  return {
    time: parseTimestamp(m[1]!),
    timeText: m[1]!,
    level: ZAP_LEVELS[m[2]!] ?? 'unknown',
    msg: m[4]!,
    format: 'zap-console',
    caller: m[3]!,
    detail: classifyZap(m[4]!, f),
  };
}

function parseText(inner: string): Parsed {
  const z = ZAP_CONSOLE.exec(inner);
  if (z) {
    const p = parseZapConsole(z);
    if (p) return p;
  }
  const c = CAPNSLOG.exec(inner);
  if (c) {
    return {
      // capnslog writes no zone: taken as UTC (see parseTimestamp).
      time: parseTimestamp(c[1]!),
      timeText: c[1]!,
      level: CAPNSLOG_LEVELS[c[2]!] ?? 'unknown',
      msg: c[4]!,
      format: 'capnslog',
      caller: c[3]!,
      detail: classifyCapnslog(c[4]!),
    };
  }
  const r = RAFT_GOLOG.exec(inner);
  if (r) {
    return {
      time: parseGoLogTimestamp(r[1]!),
      timeText: r[1]!,
      level: GOLOG_LEVELS[r[2]!] ?? 'unknown',
      msg: r[3]!,
      format: 'raft-golog',
      caller: 'raft',
      detail: classifyCapnslog(r[3]!),
    };
  }
  return { time: null, timeText: null, level: 'unknown', msg: inner, format: 'text', caller: null, detail: { kind: 'other' } };
}

function assemble(p: Parsed, u: Unwrapped, member: string): LogEvent | null {
  const time = p.time ?? u.envelopeTime;
  const timeText = p.time !== null ? p.timeText : u.envelopeTimeText;
  if (time === null || timeText === null) return null;
  const envelope: EnvelopeFormat = u.envelope;
  return { time, timeText, member, level: p.level, msg: p.msg, format: p.format, envelope, caller: p.caller, ...p.detail };
}

export function parseInnerLine(u: Unwrapped, member: string): LogEvent | null {
  const inner = u.inner.trimEnd();
  if (inner === '') return null;
  const p = inner.charCodeAt(0) === 0x7b ? parseZap(inner) : parseText(inner);
  return p === null ? null : assemble(p, u, member);
}

/** Stateless: for one complete line. A CRI partial line is parsed as if it were complete. */
export function parseLogLine(line: string, member: string): LogEvent | null {
  try {
    const u = unwrapEnvelope(line);
    return u === null ? null : parseInnerLine(u, member);
  } catch {
    return null;
  }
}

/**
 * Stateful line parser for one stream: joins CRI `P` partial lines with the `F` line that ends them
 * (bounded, so a stream of partials cannot grow memory without limit).
 */
export class StreamLineParser {
  private pending: Unwrapped | null = null;

  constructor(
    readonly member: string,
    private readonly maxJoinedChars = 1 << 20,
  ) {}

  /** Returns the event, null for nothing usable, or 'partial' while a CRI line is still being joined. */
  push(line: string): LogEvent | null | 'partial' {
    try {
      const u = unwrapEnvelope(line);
      if (u === null) return null;
      if (u.envelope === 'cri' || u.envelope === 'docker') {
        if (this.pending !== null) {
          const joined = this.pending.inner + u.inner;
          u.inner = joined.length > this.maxJoinedChars ? joined.slice(0, this.maxJoinedChars) : joined;
          u.envelopeTime = this.pending.envelopeTime;
          u.envelopeTimeText = this.pending.envelopeTimeText;
        }
        if (u.partial) {
          if (u.inner.length >= this.maxJoinedChars) {
            this.pending = null;
            return null;
          }
          this.pending = u;
          return 'partial';
        }
        this.pending = null;
      }
      return parseInnerLine(u, this.member);
    } catch {
      this.pending = null;
      return null;
    }
  }
}
