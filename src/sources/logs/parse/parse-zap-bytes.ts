import { parseGoDuration } from './parse-duration.js';
import { zapLevel } from './parse-line.js';
import { applySlowEvent } from './parse-request.js';
import { parseTimestamp } from './parse-time.js';
import type { ApplySlowEvent, LogEvent } from '../types.js';

/**
 * "apply request took too long" zap lines read straight from the file's bytes: the line is never decoded
 * as a whole and never JSON-parsed; only the values the event keeps are decoded, each into a string of its
 * own. In an expensive-request incident these lines are nearly all the matches, and building the whole
 * line, its parsed object and every field's string for each was most of the scan's time and garbage; a
 * kept event that sliced the line would hold the whole line alive instead.
 *
 * The answer is the full parser's (parseLogLine) or no answer: any line this reader is not certain of —
 * another message, nested values, escaped keys, numbers JSON.parse would round, anything that is not
 * strict JSON — returns undefined, and the caller parses the line the full way.
 */

const APPLY_SLOW_MSG = 'apply request took too long';
const APPLY_SLOW = Buffer.from(APPLY_SLOW_MSG);
const ZAP_HEAD = Buffer.from('{"level":');

/** The fields the event reads, by slot. */
const KEYS = ['level', 'ts', 'caller', 'msg', 'took', 'expected-duration', 'prefix', 'request', 'response', 'error'].map((k) =>
  Buffer.from(k),
);
const LEVEL = 0;
const TS = 1;
const CALLER = 2;
const MSG = 3;
const TOOK = 4;
const EXPECTED = 5;
const PREFIX = 6;
const REQUEST = 7;
const RESPONSE = 8;
const ERROR = 9;

/** Per slot: where its string value starts and ends (quotes excluded); ABSENT, or NOT_STRING. */
const ABSENT = -1;
const NOT_STRING = -2;
const starts = new Int32Array(KEYS.length);
const ends = new Int32Array(KEYS.length);

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function slotOf(buf: Buffer, s: number, e: number): number {
  const len = e - s;
  for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k]!;
    if (key.length !== len || key[0] !== buf[s]) continue;
    let i = 1;
    while (i < len && key[i] === buf[s + i]) i++;
    if (i === len) return k;
  }
  return -1;
}

/**
 * End (the closing quote) of the JSON string whose content starts at `i`, or -1 if not strict JSON: byte
 * by byte, for the values the event does not read (rare in these lines), which must be valid all the same.
 */
function stringEnd(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buf[i]!;
    if (c === 0x22) return i;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const x = buf[i + 1];
      if (x === 0x75 /* u */) {
        for (let h = i + 2; h < i + 6; h++) if (!isHexDigit(buf[h])) return -1;
        i += 6;
        continue;
      }
      // \" \\ \/ \b \f \n \r \t
      if (x !== 0x22 && x !== 0x5c && x !== 0x2f && x !== 0x62 && x !== 0x66 && x !== 0x6e && x !== 0x72 && x !== 0x74) return -1;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}

/**
 * End (the closing quote) of the JSON string whose content starts at `a`, found with native searches: a
 * quote ends the string unless an odd run of backslashes precedes it. Whether the content is valid JSON is
 * left to its decoding (see text).
 */
function quoteEnd(buf: Buffer, a: number, end: number): number {
  let q = buf.indexOf(0x22, a);
  while (q >= 0 && q < end) {
    let k = q - 1;
    while (k >= a && buf[k] === 0x5c) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    q = buf.indexOf(0x22, q + 1);
  }
  return -1;
}

function isHexDigit(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/**
 * End of a JSON number at `i`, or -1. Integers of 16 digits and more, and exponents, are refused: they
 * may be integers JSON.parse rounds, which the full parser reads again losslessly.
 */
function numberEnd(buf: Buffer, i: number, end: number): number {
  if (buf[i] === 0x2d) i++;
  const intStart = i;
  if (buf[i] === 0x30) i++;
  else if (isDigit(buf[i])) while (i < end && isDigit(buf[i])) i++;
  else return -1;
  if (i - intStart >= 16) return -1;
  if (buf[i] === 0x2e) {
    i++;
    if (!isDigit(buf[i])) return -1;
    while (i < end && isDigit(buf[i])) i++;
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) return -1;
  return i;
}

function literalEnd(buf: Buffer, i: number, end: number): number {
  const word = buf[i] === 0x74 ? 'true' : buf[i] === 0x66 ? 'false' : buf[i] === 0x6e ? 'null' : null;
  if (word === null || i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** An escape, or a raw control character (which JSON.parse refuses). */
const NOT_PLAIN = /[\u0000-\u001f\\]/;

function text(buf: Buffer, slot: number): string | null {
  const a = starts[slot]!;
  if (a < 0) return null;
  const s = buf.toString('utf8', a, ends[slot]!);
  if (!NOT_PLAIN.test(s)) return s;
  // The quoted text (quotes included) is exactly a JSON string: JSON.parse decodes it as it would have
  // inside the line, and refuses (throws) what it would have refused. The bytes are decoded as UTF-8
  // either way, as the line would have been.
  return JSON.parse(buf.toString('utf8', a - 1, ends[slot]! + 1)) as string;
}

/**
 * Values that repeat on nearly every line (level, caller, prefix, the expected duration): recognised by
 * their bytes, so such a value costs no new string, and every kept event shares one. The text of given
 * bytes never changes, so this is exact.
 */
const seenBytes: Buffer[] = [];
const seenText: string[] = [];
const MAX_SEEN = 64;

function repeated(buf: Buffer, slot: number): string | null {
  const a = starts[slot]!;
  if (a < 0) return null;
  const len = ends[slot]! - a;
  for (let k = 0; k < seenBytes.length; k++) {
    const known = seenBytes[k]!;
    if (known.length === len && bytesAt(buf, a, known)) return seenText[k]!;
  }
  const t = text(buf, slot)!;
  if (seenBytes.length < MAX_SEEN) {
    seenBytes.push(Buffer.from(buf.subarray(a, a + len)));
    seenText.push(t);
  }
  return t;
}

/** buf holds `bytes` at `at`: a loop, cheaper than Buffer.compare's native call for a few dozen bytes. */
function bytesAt(buf: Buffer, at: number, bytes: Buffer): boolean {
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
}

function isApplySlowMsg(buf: Buffer): boolean {
  const a = starts[MSG]!;
  return a >= 0 && ends[MSG]! - a === APPLY_SLOW.length && bytesAt(buf, a, APPLY_SLOW);
}

/**
 * The event of buf[start, end) when it is a plain zap "apply request took too long" line: the event
 * (null where the full parser finds none, a line without a usable time), or undefined when the line must
 * be parsed the full way.
 */
export function parseApplySlowZap(buf: Buffer, start: number, end: number, member: string): LogEvent | null | undefined {
  try {
    return read(buf, start, end, member);
  } catch (err) {
    // A value JSON.parse refuses: the full parser refuses the line, and says so.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

function read(buf: Buffer, start: number, end: number, member: string): LogEvent | null | undefined {
  if (end - start < ZAP_HEAD.length || !bytesAt(buf, start, ZAP_HEAD)) return undefined;
  starts.fill(ABSENT);
  let i = start + 1;
  for (;;) {
    while (isSpace(buf[i])) i++;
    if (buf[i] !== 0x22) return undefined;
    const keyStart = i + 1;
    const keyEnd = buf.indexOf(0x22, keyStart);
    if (keyEnd < 0 || keyEnd >= end) return undefined;
    const slot = slotOf(buf, keyStart, keyEnd);
    if (slot < 0) for (let k = keyStart; k < keyEnd; k++) if (buf[k] === 0x5c || buf[k]! < 0x20) return undefined;
    // A repeated key: JSON.parse keeps the last, but the first must be valid too; rare enough to leave.
    if (slot >= 0 && starts[slot] !== ABSENT) return undefined;
    i = keyEnd + 1;
    while (isSpace(buf[i])) i++;
    if (buf[i] !== 0x3a) return undefined;
    i++;
    while (isSpace(buf[i])) i++;
    const c = buf[i];
    if (c === 0x22) {
      const a = i + 1;
      // A value the event reads: found natively, checked when decoded. Any other: checked byte by byte.
      const b = slot >= 0 ? quoteEnd(buf, a, end) : stringEnd(buf, a, end);
      if (b < 0) return undefined;
      if (slot >= 0) {
        starts[slot] = a;
        ends[slot] = b;
      }
      i = b + 1;
    } else {
      const next = c === 0x2d || isDigit(c) ? numberEnd(buf, i, end) : literalEnd(buf, i, end);
      if (next < 0) return undefined; // objects, arrays, anything else: the full parser's
      if (slot >= 0) starts[slot] = NOT_STRING;
      i = next;
    }
    // zap writes msg fourth: any other message is known early and left to the full parser.
    if (slot === MSG && !isApplySlowMsg(buf)) return undefined;
    while (isSpace(buf[i])) i++;
    if (buf[i] === 0x2c) {
      i++;
      continue;
    }
    if (buf[i] !== 0x7d) return undefined;
    i++;
    break;
  }
  while (i < end && isSpace(buf[i])) i++;
  // Anything after the object (even Unicode spaces the full parser would trim) is the full parser's.
  if (i !== end || !isApplySlowMsg(buf)) return undefined;

  const timeText = text(buf, TS);
  const time = timeText === null ? null : parseTimestamp(timeText);
  if (time === null || timeText === null) return null;
  const d: ApplySlowEvent = applySlowEvent({
    tookMs: parseGoDuration(text(buf, TOOK)) ?? 0,
    expectedMs: parseGoDuration(repeated(buf, EXPECTED)),
    prefix: repeated(buf, PREFIX) ?? '',
    request: text(buf, REQUEST) ?? '',
    response: text(buf, RESPONSE),
    error: text(buf, ERROR),
  });
  // The same fields in the same order as the full parser's event (base, then detail), in one literal:
  // one object with every field in it, the smallest a kept event can be.
  return {
    time,
    timeText,
    member,
    level: zapLevel(repeated(buf, LEVEL)),
    msg: APPLY_SLOW_MSG,
    format: 'zap',
    envelope: 'none',
    caller: repeated(buf, CALLER),
    kind: d.kind,
    tookMs: d.tookMs,
    expectedMs: d.expectedMs,
    prefix: d.prefix,
    access: d.access,
    requestType: d.requestType,
    request: d.request,
    key: d.key,
    rangeEnd: d.rangeEnd,
    response: d.response,
    responseCount: d.responseCount,
    responseSize: d.responseSize,
    error: d.error,
  };
}
