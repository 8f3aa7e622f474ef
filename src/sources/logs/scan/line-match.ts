import { anchorNeedle, findNeedle, type AnchoredNeedle } from './needle-anchor.js';
import { countNewlines } from './newline-count.js';
import { ALL_ZAP_MSG_PREFIXES, candidateRegexSource, fragmentsFor, wantsSevere, zapNeedlesFor } from './prefilter.js';
import type { LogEventKind } from '../types.js';

/**
 * Decides, on raw bytes, which lines of a buffer to parse. Two strategies:
 *
 * - `needles` (when the caller asks for specific kinds): the buffer is searched once per fixed text with
 *   Buffer.indexOf (native), from the needle's rarest byte (see needle-anchor.ts); only lines around hits
 *   are visited. This is as close to `grep -F` as JavaScript gets.
 * - `per-line` (every kind, including unclassified warnings): each line is visited; zap lines are judged
 *   from the level byte and the first bytes of `msg` without decoding; other formats fall back to one
 *   regex over the line decoded as latin1 (cheap, and ASCII fragments match the same).
 */

const ZAP_HEAD = Buffer.from('{"level":"');
const MSG_KEY = Buffer.from('"msg":"');
const NL = 0x0a;

/**
 * INFO/DEBUG zap messages worth keeping, checked at the start of `msg`: every known one, plus raft's.
 * Bucketed by first byte so a typical INFO line costs one array lookup and no comparison.
 */
const INFO_MSG_BY_FIRST_BYTE: ReadonlyArray<readonly Buffer[] | undefined> = (() => {
  const buckets: Buffer[][] = [];
  for (const p of [...ALL_ZAP_MSG_PREFIXES, 'raft.node: ']) {
    const b = Buffer.from(p);
    (buckets[b[0]!] ??= []).push(b);
  }
  return buckets;
})();

/** Raft lines that start with the node's hex id: `<id> became leader at term 3`. */
const AFTER_ID_PREFIXES: readonly Buffer[] = [
  'became ',
  'is starting a new election',
  'stepped down to follower',
].map((s) => Buffer.from(s));

function bytesAt(buf: Buffer, pos: number, needle: Buffer): boolean {
  if (pos + needle.length > buf.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[pos + i] !== needle[i]) return false;
  return true;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66));
}

export interface LineVisitor {
  /** Called for each candidate line [start, end) (end excludes the newline), in order. */
  (start: number, end: number): boolean | void;
}

export class LineMatcher {
  readonly mode: 'needles' | 'per-line';
  private readonly needles: AnchoredNeedle[];
  private readonly fallback: RegExp;
  private readonly severe: boolean;
  /** A CRI partial (P) line was visited: the lines that complete it are visited too (across buffers). */
  private continuing = false;
  /** P lines are needles: every partial line is visited, so none needs to be looked up behind a hit. */
  private readonly criNeedles: boolean;

  /**
   * @param plainZap the stream is known to hold unescaped zap JSON (zap or CRI files): the needles can
   *   include the `"msg":"` key, which is faster and more selective.
   * @param criPossible the stream may hold CRI lines (and so CRI partial lines).
   */
  constructor(kinds?: readonly LogEventKind[], plainZap = false, criPossible = true) {
    this.severe = wantsSevere(kinds);
    const fragments = fragmentsFor(kinds);
    this.mode = this.severe ? 'per-line' : 'needles';
    const needles = kinds !== undefined && plainZap ? zapNeedlesFor(kinds) : [...fragments];
    // A CRI runtime splits long lines into P pieces; a needle may straddle the cut. Partial lines are
    // rare, so all of them are candidates (and the parser joins them) when CRI lines may occur.
    this.criNeedles = criPossible;
    if (criPossible) needles.push(' stderr P ', ' stdout P ');
    this.needles = needles.map(anchorNeedle);
    this.fallback = new RegExp(candidateRegexSource(kinds));
  }

  /** Offset of a zap object in the line: at the start, or after a CRI / timestamp prefix. */
  private zapOffset(buf: Buffer, start: number, end: number): number {
    if (buf[start] === 0x7b) return bytesAt(buf, start, ZAP_HEAD) ? start : -1;
    const limit = Math.min(end, start + 64);
    for (let i = start; i < limit; i++) {
      if (buf[i] === 0x7b) return buf[i - 1] === 0x20 && bytesAt(buf, i, ZAP_HEAD) ? i : -1;
    }
    return -1;
  }

  private zapInteresting(buf: Buffer, o: number, end: number): boolean {
    const level = buf[o + 10];
    // w(arn) e(rror) f(atal) p(anic) d(panic): always. i(nfo), d(ebug): only known messages.
    if (level === 0x77 || level === 0x65 || level === 0x66 || level === 0x70) return this.severe || this.msgInteresting(buf, o, end);
    if (level === 0x64 && buf[o + 11] === 0x70) return this.severe || this.msgInteresting(buf, o, end);
    return this.msgInteresting(buf, o, end);
  }

  private msgInteresting(buf: Buffer, o: number, end: number): boolean {
    const k = buf.indexOf(MSG_KEY, o);
    if (k < 0 || k >= end) return false;
    const m = k + MSG_KEY.length;
    if (!this.severe) {
      // Asked for specific kinds: the plain fragment test on this line only.
      return this.lineHasFragment(buf, o, end);
    }
    const bucket = INFO_MSG_BY_FIRST_BYTE[buf[m]!];
    if (bucket !== undefined) for (const p of bucket) if (bytesAt(buf, m, p)) return true;
    if (isHex(buf[m])) {
      let i = m;
      while (i < end && i - m < 17 && isHex(buf[i])) i++;
      if (buf[i] === 0x20) for (const p of AFTER_ID_PREFIXES) if (bytesAt(buf, i + 1, p)) return true;
    }
    return false;
  }

  private lineHasFragment(buf: Buffer, start: number, end: number): boolean {
    return this.fallback.test(buf.toString('latin1', start, end));
  }

  /** Per-line decision. */
  isCandidate(buf: Buffer, start: number, end: number): boolean {
    if (end <= start) return false;
    const o = this.zapOffset(buf, start, end);
    let partial = false;
    if (o > start) {
      // `<ts> stderr P {…`: the CRI flag sits two bytes before the object.
      partial = buf[o - 2] === 0x50;
    }
    if (this.continuing) {
      this.continuing = partial || (o < 0 && this.continuingCri(buf, start, end));
      return true;
    }
    const yes = o >= 0 ? this.zapInteresting(buf, o, end) : this.lineHasFragment(buf, start, end);
    if (yes && partial) this.continuing = true;
    return yes;
  }

  /** A CRI continuation line that is itself partial again. */
  private continuingCri(buf: Buffer, start: number, end: number): boolean {
    const head = buf.toString('latin1', start, Math.min(end, start + 48));
    return / (stdout|stderr) P /.test(head);
  }

  /**
   * Visits candidate lines among the complete lines in buf[from, to) (to is just after a newline or
   * the end of data). Returns the number of lines in the range.
   */
  scan(buf: Buffer, from: number, to: number, visit: LineVisitor): number {
    return this.mode === 'needles' ? this.scanNeedles(buf, from, to, visit) : this.scanLines(buf, from, to, visit);
  }

  private scanLines(buf: Buffer, from: number, to: number, visit: LineVisitor): number {
    let lines = 0;
    let s = from;
    while (s < to) {
      let e = buf.indexOf(NL, s);
      if (e < 0 || e >= to) e = to;
      lines++;
      const end = e > s && buf[e - 1] === 0x0d ? e - 1 : e;
      if (this.isCandidate(buf, s, end) && visit(s, end) === false) return lines;
      s = e + 1;
    }
    return lines;
  }

  private scanNeedles(buf: Buffer, from: number, to: number, visit: LineVisitor): number {
    // One native pass per needle over the raw bytes (the line count is a second pass: SIMD in buffers
    // from allocCountable, see newline-count.ts); only the lines around hits are ever decoded. Hits are
    // reduced to line starts, visited once, in file order.
    const window = buf.subarray(0, to);
    const hits: number[] = [];
    for (const needle of this.needles) {
      let p = findNeedle(window, needle, from);
      while (p >= 0) {
        // Bytes before `from` are stale (an earlier buffer's): a line never starts before it.
        hits.push(p === from ? from : Math.max(from, window.lastIndexOf(NL, p - 1) + 1));
        const le = window.indexOf(NL, p + needle.whole.length);
        p = le < 0 ? -1 : findNeedle(window, needle, le + 1);
      }
    }
    // One needle gives its hits in order already; several interleave.
    if (this.needles.length > 1) hits.sort((a, b) => a - b);

    // A CRI partial (P) line is joined by the parser with the lines that complete it, so those are
    // visited too, even in the next buffer (`continuing`). P lines are needles themselves whenever CRI
    // lines may occur; otherwise the P pieces in front of a hit are looked up here.
    let next = this.continuing ? from : -1;
    this.continuing = false;
    let last = from - 1;
    let k = 0;
    for (;;) {
      let s: number;
      if (next >= 0 && (k >= hits.length || next <= hits[k]!)) s = next;
      else if (k < hits.length) s = hits[k]!;
      else break;
      while (k < hits.length && hits[k]! <= s) k++;
      next = -1;
      if (s <= last) continue;
      let e = window.indexOf(NL, s);
      if (e < 0) e = to;
      if (s !== from && s === hits[k - 1] && !this.criNeedles && isCriLine(buf, s, e)) {
        if (this.visitPartialsBefore(buf, s, last, visit) === false) return countNewlines(buf, from, to);
      }
      const end = e > s && buf[e - 1] === 0x0d ? e - 1 : e;
      if (visit(s, end) === false) return countNewlines(buf, from, to);
      last = s;
      if (isCriPartial(buf, s, e)) {
        if (e + 1 < to) next = e + 1;
        else this.continuing = true;
      }
    }
    return countNewlines(buf, from, to);
  }

  /** The CRI P lines directly in front of the line at `s` (back to `after`, exclusive), in order. */
  private visitPartialsBefore(buf: Buffer, s: number, after: number, visit: LineVisitor): boolean {
    const found: Array<[number, number]> = [];
    let ps = s;
    while (ps - 1 > after) {
      const prevEnd = ps - 1;
      const prevStart = Math.max(after + 1, buf.lastIndexOf(NL, prevEnd - 1) + 1);
      if (!isCriPartial(buf, prevStart, prevEnd)) break;
      found.push([prevStart, prevEnd]);
      ps = prevStart;
    }
    for (let i = found.length - 1; i >= 0; i--) {
      const [a, b] = found[i]!;
      if (visit(a, b > a && buf[b - 1] === 0x0d ? b - 1 : b) === false) return false;
    }
    return true;
  }
}

const CRI_HEAD = /^\d{4}-\d\d-\d\dT\S+ (?:stdout|stderr) ([PF]) /;

function isCriLine(buf: Buffer, start: number, end: number): boolean {
  return buf[start]! >= 0x30 && buf[start]! <= 0x39 && CRI_HEAD.test(buf.toString('latin1', start, Math.min(end, start + 64)));
}

function isCriPartial(buf: Buffer, start: number, end: number): boolean {
  if (!(buf[start]! >= 0x30 && buf[start]! <= 0x39)) return false;
  return CRI_HEAD.exec(buf.toString('latin1', start, Math.min(end, start + 64)))?.[1] === 'P';
}
