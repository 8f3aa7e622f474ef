import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLogSource, type FileLogSourceConfig } from '../../../src/sources/logs/file-source.js';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import type { LogEvent, LogEventKind, LogFetchQuery, LogFetchResult } from '../../../src/sources/logs/types.js';
import { tempDir } from '../../support/processes.js';

/**
 * The file source reads fixed-size chunks and carries the unfinished last line into the next read.
 * These tests put each kind of line edge exactly on a read boundary (a filler line sized so that the
 * byte in question is the first byte of the second read) and compare with parsing line by line.
 */

const dir = tempDir('etcd-triage-chunks-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const M3 = readFileSync(new URL('../../fixtures/logs/etcd-3.4.23-3member-m3-zap.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean);
const APPLY = M3.find((l) => l.includes('"msg":"apply request took too long"'))!;
const INFO = M3.find((l) => l.startsWith('{"level":"info"') && !l.includes('took too long'))!;
const LONGEST = Math.max(...M3.map((l) => Buffer.byteLength(l)));
/** Read size of these tests: every line fits, and a filler line can move any byte onto the boundary. */
const CHUNK = LONGEST + 400;
const SEVERE = new Set(['warn', 'error', 'critical', 'panic', 'fatal']);
const ALL_TIME = { start: 0, end: Date.UTC(2100, 0, 1) };

let files = 0;
function write(text: string): string {
  const p = join(dir, `f${files++}.log`);
  writeFileSync(p, text);
  return p;
}

async function scan(
  path: string,
  q: Partial<LogFetchQuery> = {},
  format: FileLogSourceConfig['format'] = 'zap',
  chunkBytes = CHUNK,
): Promise<LogFetchResult> {
  const src = new FileLogSource({ type: 'file', path, member: 'etcd-3', format }, { chunkBytes });
  return src.fetch({ ...ALL_TIME, signal: new AbortController().signal, ...q });
}

/** What a scan must return: every line parsed on its own, filtered as the collector filters. */
function expected(lines: readonly string[], kinds?: readonly LogEventKind[]): LogEvent[] {
  return lines
    .map((l) => parseLogLine(l.replace(/\r$/, ''), 'etcd-3'))
    .filter((e): e is LogEvent => e !== null && (kinds ? kinds.includes(e.kind) : e.kind !== 'other' || SEVERE.has(e.level)));
}

/** An INFO zap line of exactly `bytes` bytes (noise: never an event). */
function filler(bytes: number): string {
  const head = '{"level":"info","ts":"2026-11-21T16:01:00.000Z","caller":"mvcc/index.go:214","msg":"compact tree index","pad":"';
  const tail = '"}';
  if (bytes < head.length + tail.length || bytes > CHUNK) throw new Error(`no filler of ${bytes} bytes`);
  return head + 'p'.repeat(bytes - head.length - tail.length) + tail;
}

/** The lines, behind a filler line sized so that byte `at` of the joined lines opens the second read. */
function placed(lines: readonly string[], at: number, sep = '\n'): string[] {
  return [filler(CHUNK - Buffer.byteLength(sep) - at), ...lines];
}

describe('lines on read boundaries (zap needles and every kind)', () => {
  const rest = [APPLY, INFO, INFO];
  const len = Buffer.byteLength(APPLY);
  const cases: Array<[string, number]> = [
    ['the line starts exactly at a read boundary', 0],
    ['the boundary falls one byte into the line', 1],
    ['the needle is cut in two by the boundary', APPLY.indexOf('"msg":"apply request') + 10],
    ['the line ends at a read boundary (its newline opens the next read)', len],
    ['the newline is the last byte of a read', len + 1],
  ];
  it.each(cases)('%s', async (_name, at) => {
    const lines = placed(rest, at);
    const path = write(lines.join('\n') + '\n');
    for (const kinds of [['apply-slow'], undefined] as const) {
      const r = await scan(path, kinds ? { kinds } : {});
      expect(r.events).toEqual(expected(lines, kinds));
      expect(r.events.filter((e) => e.kind === 'apply-slow')).toHaveLength(1);
      expect(r.stats['etcd-3']!.linesRead).toBe(lines.length);
      expect(r.stats['etcd-3']!.linesUnparsed).toBe(0);
    }
  });
});

describe('line endings', () => {
  it.each([
    ['\\r ends the first read', 0],
    ['\\r opens the second read', 1],
  ])('CRLF, %s: the same events as LF, no \\r left in any field', async (_name, shift) => {
    const at = Buffer.byteLength(APPLY) + shift;
    const lines = placed([APPLY, INFO, APPLY], at, '\r\n');
    // shift 0: the boundary is just before the \r; shift 1: between the \r and the \n.
    const path = write(lines.join('\r\n') + '\r\n');
    for (const kinds of [['apply-slow'], undefined] as const) {
      const r = await scan(path, kinds ? { kinds } : {});
      expect(r.events).toEqual(expected(lines, kinds));
      expect(r.events.filter((e) => e.kind === 'apply-slow')).toHaveLength(2);
      expect(r.events.every((e) => e.kind !== 'apply-slow' || !e.response?.endsWith('\r'))).toBe(true);
      expect(r.stats['etcd-3']!.linesRead).toBe(lines.length);
    }
  });

  it('a final line without a newline is read, counted and parsed, also when it starts a read', async () => {
    for (const lines of [[INFO, INFO, APPLY], placed([APPLY], 0)]) {
      const path = write(lines.join('\n'));
      const r = await scan(path, { kinds: ['apply-slow'] });
      expect(r.events).toEqual(expected(lines, ['apply-slow']));
      expect(r.events).toHaveLength(1);
      expect(r.stats['etcd-3']!.linesRead).toBe(lines.length);
    }
  });
});

describe('multi-byte UTF-8 cut by a read boundary', () => {
  // A key with CJK characters (3 bytes each) and a duration in µs (the micro sign is 2 bytes).
  const key = '/registry/configmaps/日本語-名前空間/設定';
  const line = APPLY.replace(/"took":"[^"]+"/, '"took":"812.5µs"').replace(/key:\\"[^\\]*\\"/, `key:\\"${key}\\"`);
  const bytes = Buffer.from(line);

  it.each([
    ['the micro sign', 'µ'],
    ['a CJK character', '語'],
  ])('%s split between two reads decodes intact', async (_name, char) => {
    // The character's second byte is the first byte of the second read.
    const at = bytes.indexOf(Buffer.from(char)) + 1;
    expect(at).toBeGreaterThan(1);
    const lines = placed([line, INFO], at);
    const r = await scan(write(lines.join('\n') + '\n'), { kinds: ['apply-slow'] });
    expect(r.events).toHaveLength(1);
    const e = r.events[0]!;
    expect(e.kind === 'apply-slow' ? [e.key, e.tookMs] : null).toEqual([key, 0.8125]);
    expect(r.stats['etcd-3']!.linesUnparsed).toBe(0);
  });
});

describe('CRI partial lines across reads', () => {
  it('a P line that ends a read is joined with the F line that opens the next one', async () => {
    const cut = 120;
    const p = `2026-11-21T16:01:40.100000000Z stderr P ${APPLY.slice(0, cut)}`;
    const f = `2026-11-21T16:01:40.100000000Z stderr F ${APPLY.slice(cut)}`;
    const noise = `2026-11-21T16:01:40.000000000Z stderr F ${INFO}`;
    // A CRI filler line sized so that the F line is the first line of the second read.
    const cri = '2026-11-21T16:01:39.000000000Z stderr F ';
    const lines = [cri + filler(CHUNK - cri.length - 1 - Buffer.byteLength(p) - 1), p, f, noise];
    expect(Buffer.byteLength(lines.slice(0, 2).join('\n') + '\n')).toBe(CHUNK);
    const path = write(lines.join('\n') + '\n');
    for (const kinds of [['apply-slow'], ['apply-slow', 'trace', 'leader'], undefined] as const) {
      const r = await scan(path, kinds ? { kinds } : {}, 'cri');
      const slow = r.events.filter((e) => e.kind === 'apply-slow');
      expect(slow).toHaveLength(1);
      expect(slow[0]).toMatchObject({ envelope: 'cri', request: expect.stringContaining('key:') });
      expect(r.stats['etcd-3']!.linesUnparsed).toBe(0);
      expect(r.stats['etcd-3']!.linesRead).toBe(lines.length);
    }
  });
});

describe('any read size gives the events of a line-by-line parse', () => {
  it('random mixes of lines, line endings and read sizes', async () => {
    const pool = [...M3, APPLY.replace(/"took":"[^"]+"/, '"took":"1.5µs"')];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: LONGEST + 2, max: LONGEST * 4 }),
        fc.constantFrom<readonly LogEventKind[] | undefined>(undefined, ['apply-slow'], ['trace', 'peer-inactive', 'stream-lost']),
        async (picks, crlf, finalNewline, chunk, kinds) => {
          const lines = picks.map((i) => pool[i]!);
          const sep = crlf ? '\r\n' : '\n';
          const path = write(lines.join(sep) + (finalNewline ? sep : ''));
          const r = await scan(path, kinds ? { kinds } : {}, 'auto', chunk);
          expect(r.events).toEqual(expected(lines, kinds).sort((a, b) => a.time - b.time));
          expect(r.stats['etcd-3']!.linesRead).toBe(lines.length);
          rmSync(path);
        },
      ),
      { numRuns: 60 },
    );
  });
});
