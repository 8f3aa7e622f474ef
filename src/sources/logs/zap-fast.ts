import { classifyZap } from './classify-zap.js';
import type { JsonFields } from './parse-json.js';
import { ZAP_LEVELS } from './parse-line.js';
import { parseTimestamp } from './parse-time.js';
import type { LogEvent } from './types.js';

/**
 * The scan's fast path for the lines etcd writes most: a plain zap line (no envelope) whose fields are
 * all strings, as "apply request took too long", "slow fdatasync", heartbeats and traces are. The
 * fields are read in one pass of indexOf calls, without JSON.parse building the object and the parser
 * looking for integers it could not keep (parse-json.ts), and a line outside the time window is left
 * before it is classified. The event is the general path's to the byte (a test holds every recorded
 * log line to it): anything this does not recognise exactly — a number, a nested object, whitespace
 * between tokens, a control character, an odd key — is `undefined`, and the general path decides.
 */

/** Raw control characters are not allowed inside JSON strings: JSON.parse refuses such a line. */
const CONTROL = /[\u0000-\u001f]/;
const QUOTE = 0x22;
const BACKSLASH = '\\';

/** A plain zap line's fields, when every value is a string; undefined for anything else. */
export function flatZapFields(line: string): JsonFields | undefined {
  const n = line.length;
  if (line.charCodeAt(0) !== 0x7b || line.charCodeAt(n - 1) !== 0x7d || CONTROL.test(line)) return undefined;
  const fields: JsonFields = {};
  // The next backslash at or after the current value: most lines have one or none (in `request`).
  let slash = line.indexOf(BACKSLASH);
  let i = 1;
  for (;;) {
    if (line.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = line.indexOf('"', i + 1);
    if (keyEnd < 0 || (slash >= 0 && slash < keyEnd)) return undefined;
    const key = line.slice(i + 1, keyEnd);
    // An own property named __proto__ is what JSON.parse makes; an assignment would not: general path.
    if (key === '__proto__' || line.charCodeAt(keyEnd + 1) !== 0x3a || line.charCodeAt(keyEnd + 2) !== QUOTE) return undefined;
    const start = keyEnd + 3;
    let end = line.indexOf('"', start);
    if (slash >= 0 && slash < start) slash = line.indexOf(BACKSLASH, start);
    let value: string;
    if (slash < 0 || slash > end) {
      if (end < 0) return undefined;
      value = line.slice(start, end);
    } else {
      // Escapes inside: the closing quote is the first one after an even run of backslashes.
      while (end >= 0 && oddBackslashesBefore(line, end, start)) end = line.indexOf('"', end + 1);
      if (end < 0) return undefined;
      try {
        value = JSON.parse(line.slice(start - 1, end + 1)) as string;
      } catch {
        return undefined;
      }
      slash = line.indexOf(BACKSLASH, end);
    }
    fields[key] = value;
    const next = line.charCodeAt(end + 1);
    if (next === 0x2c /* , */) {
      i = end + 2;
      continue;
    }
    return next === 0x7d /* } */ && end + 2 === n ? fields : undefined;
  }
}

function oddBackslashesBefore(line: string, at: number, from: number): boolean {
  let b = at - 1;
  while (b >= from && line.charCodeAt(b) === 0x5c) b--;
  return (at - 1 - b) % 2 === 1;
}

/** A line read this far: its fields and time, not classified yet. */
export interface ZapHead {
  fields: JsonFields;
  msg: string;
  time: number;
  timeText: string;
}

/**
 * The first step: undefined when the general path must decide, null when the general path would find
 * nothing usable (no msg, no time: it counts the line unparsed), else the fields and the time.
 */
export function readZapHead(line: string): ZapHead | null | undefined {
  if (!line.startsWith('{"level":')) return undefined;
  const fields = flatZapFields(line.trimEnd());
  if (fields === undefined) return undefined;
  const msg = fields['msg'];
  const ts = fields['ts'];
  if (typeof msg !== 'string' || typeof ts !== 'string') return null;
  const time = parseTimestamp(ts);
  return time === null ? null : { fields, msg, time, timeText: ts };
}

/** The second step, for a line inside the window: the event, exactly as parseLogLine builds it. */
export function zapEvent(head: ZapHead, member: string): LogEvent {
  const f = head.fields;
  const level = f['level'];
  const caller = f['caller'];
  return {
    time: head.time,
    timeText: head.timeText,
    member,
    level: ZAP_LEVELS[typeof level === 'string' ? level : ''] ?? 'unknown',
    msg: head.msg,
    format: 'zap',
    envelope: 'none',
    caller: typeof caller === 'string' ? caller : null,
    ...classifyZap(head.msg, f),
  };
}
