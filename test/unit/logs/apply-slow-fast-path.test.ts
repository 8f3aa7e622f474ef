import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import { parseApplySlowZap } from '../../../src/sources/logs/parse/parse-zap-bytes.js';
import { asRelease, type Target } from '../../support/etcd-release-lines.js';
import { fixturesDir } from '../../support/fixture-prometheus.js';

/**
 * The scan reads "apply request took too long" zap lines from their bytes instead of the full parser
 * (parse-zap-bytes.ts). Its answer must be the full parser's, field for field and in the same order (the
 * events are written to evidence bundles as JSON), or no answer at all.
 */

const MEMBER = 'etcd-2';

/** Every line of every recorded log: the recorded incidents' members and the sample logs. */
function recordedLines(): string[] {
  const texts: string[] = [];
  for (const f of readdirSync(join(fixturesDir, 'logs'))) texts.push(readFileSync(join(fixturesDir, 'logs', f), 'utf8'));
  for (const scenario of readdirSync(fixturesDir)) {
    if (scenario === 'logs') continue;
    let files: string[];
    try {
      files = readdirSync(join(fixturesDir, scenario, 'logs'));
    } catch {
      continue;
    }
    for (const f of files) {
      const raw = readFileSync(join(fixturesDir, scenario, 'logs', f));
      texts.push((f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
    }
  }
  return texts.flatMap((t) => t.split('\n')).filter((l) => l !== '');
}

const RECORDED = recordedLines();
const APPLY_SLOW = RECORDED.filter((l) => l.startsWith('{"level":') && l.includes('"msg":"apply request took too long"'));
const TARGETS: Target[] = [{ version: '3.5.0' }, { version: '3.5.21' }, { version: '3.6.5' }, { version: '3.6.5', console: true }];

/** The fast path's answer for a line as the file source hands it over (bytes in a larger buffer). */
function fast(line: string | Buffer): ReturnType<typeof parseApplySlowZap> {
  const bytes = typeof line === 'string' ? Buffer.from(line) : line;
  // Bytes around the line, as in the read buffer: the reader must stay inside [start, end).
  const buf = Buffer.concat([Buffer.from('{"level":"warn"}\n'), bytes, Buffer.from('\n"}]')]);
  return parseApplySlowZap(buf, 17, 17 + bytes.length, MEMBER);
}

function full(line: string | Buffer): ReturnType<typeof parseLogLine> {
  return parseLogLine(typeof line === 'string' ? line : line.toString('utf8'), MEMBER);
}

/** Same answer as the full parser, or none. */
function expectSameOrNone(line: string | Buffer): boolean {
  const f = fast(line);
  if (f === undefined) return false;
  expect(JSON.stringify(f)).toBe(JSON.stringify(full(line)));
  expect(f).toStrictEqual(full(line));
  return true;
}

describe('slow-apply lines read from bytes', () => {
  it('gives the full parser’s event for every recorded slow-apply line, and no answer for every other recorded line', () => {
    expect(APPLY_SLOW.length).toBeGreaterThan(1000);
    let answered = 0;
    for (const line of RECORDED) if (expectSameOrNone(line)) answered++;
    // Every plain zap slow-apply line takes the fast path; nothing else does.
    expect(answered).toBe(APPLY_SLOW.length);
  });

  it('gives the full parser’s event for the recorded slow-apply lines as etcd 3.5 and 3.6 write them', () => {
    for (const target of TARGETS) {
      let answered = 0;
      for (const recorded of APPLY_SLOW) {
        const line = asRelease(recorded, target);
        if (line === null) continue;
        expect(full(line)).toMatchObject({ kind: 'apply-slow' });
        if (expectSameOrNone(line)) answered++;
      }
      // Console lines are not JSON: the full parser reads them; zap JSON lines all take the fast path.
      expect(answered).toBe(target.console ? 0 : APPLY_SLOW.length);
    }
  });

  const sample = APPLY_SLOW.filter((_, i) => i % 97 === 0);
  const anyLine = fc.constantFrom(...sample);

  it('is the full parser’s answer or none for lines edited byte by byte', () => {
    const edit = fc.record({
      at: fc.nat(),
      cut: fc.nat({ max: 4 }),
      bytes: fc.uint8Array({ maxLength: 6 }),
    });
    fc.assert(
      fc.property(anyLine, fc.array(edit, { minLength: 1, maxLength: 4 }), (line, edits) => {
        let b = Buffer.from(line);
        for (const e of edits) {
          const at = e.at % (b.length + 1);
          b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(Math.min(b.length, at + e.cut))]);
        }
        // The file source never hands over a line with a newline in it.
        fc.pre(!b.includes(0x0a));
        expectSameOrNone(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('is the full parser’s answer or none for valid JSON with any values, keys, order and spacing', () => {
    const fieldNames = ['level', 'ts', 'caller', 'msg', 'took', 'expected-duration', 'prefix', 'request', 'response', 'error', 'x'];
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('100ms', '1.5s', '7.8µs', 'read-only range ', '', 'warn', 'info', 'constructor'),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(true, false, null, 18446744073709551615n, [1], { a: 'b' }),
    );
    const space = fc.constantFrom('', ' ', '\t', '\r ', '  ');
    fc.assert(
      fc.property(
        anyLine,
        fc.array(fc.tuple(fc.constantFrom(...fieldNames), value), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        space,
        (line, extra, drop, sp) => {
          const fields = Object.entries(JSON.parse(line) as Record<string, unknown>);
          for (const d of drop) if (fields.length > 2) fields.splice(1 + (d % (fields.length - 1)), 1);
          for (const [k, v] of extra) fields.push([k, v]);
          const encode = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));
          const text = `{${fields.map(([k, v]) => `${sp}${JSON.stringify(k)}${sp}:${sp}${encode(v)}${sp}`).join(',')}}${sp}`;
          expectSameOrNone(text);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps escaped and non-ASCII text exactly as the full parser decodes it', () => {
    const line = APPLY_SLOW[0]!;
    const variants = [
      line.replace('"request":"', '"request":"caf\\u00e9 \\"q\\" \\\\ \\/ \\n é 😀 '),
      line.replace('"prefix":"', '"prefix":"\\u0072ead-only '),
      line.replace('"caller":"', '"caller":"ü/'),
      line.replace('"msg":"apply request took too long"', '"msg":"apply request took too lon\\u0067"'),
      line.replace('"took":"', '"took":"\\u0031'),
      line.replace('{"level":"warn"', '{"level":"warn","level":"error"'),
      `${line.slice(0, -1)},"msg":"apply request took too long"}`,
      `${line.slice(0, -1)},"msg":"something else"}`,
      `${line} \u00a0`,
    ];
    const answered = variants.map((v) => expectSameOrNone(v));
    // Escapes in values are decoded; an escaped msg, a repeated key or text after the object goes to the
    // full parser.
    expect(answered).toEqual([true, true, true, false, true, false, false, false, false]);
    expect(fast(variants[0]!)).toMatchObject({ request: expect.stringContaining('café "q" \\ / \n é 😀') });
  });
});
