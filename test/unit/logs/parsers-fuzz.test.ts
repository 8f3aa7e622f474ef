import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyCapnslog } from '../../../src/sources/logs/parse/classify-capnslog.js';
import { classifyZap } from '../../../src/sources/logs/parse/classify-zap.js';
import { keyPrefix } from '../../../src/sources/logs/summarise/key-prefix.js';
import { LineMatcher } from '../../../src/sources/logs/scan/line-match.js';
import { unwrapEnvelope } from '../../../src/sources/logs/parse/parse-envelope.js';
import { parseGoDuration } from '../../../src/sources/logs/parse/parse-duration.js';
import { parseJsonObject, type JsonFields } from '../../../src/sources/logs/parse/parse-json.js';
import { parseLogLine } from '../../../src/sources/logs/parse/parse-line.js';
import { parseRaftLeaderMessage } from '../../../src/sources/logs/parse/parse-raft-message.js';
import { extractKeyRange, parseResponseText, requestTypeOf, unquoteGo } from '../../../src/sources/logs/parse/parse-request.js';
import { parseGoLogTimestamp, parseMicrosecondsText, parseNanosecondsText, parseTimestamp } from '../../../src/sources/logs/parse/parse-time.js';
import { parseTraceFields, parseTraceStep } from '../../../src/sources/logs/parse/parse-trace.js';
import { candidateRegexSource } from '../../../src/sources/logs/scan/prefilter.js';
import { matchTraceStep } from '../../../src/sources/logs/parse/trace-step-match.js';

/**
 * The etcd log parsers read text anyone can influence (keys and values end up in request lines, trace
 * steps, error texts). Two properties for every one of them: it never throws, whatever the line; and
 * its cost grows linearly with the line (no regex that backtracks quadratically or worse).
 */
const TS = '2024-05-01T10:00:00.123456789Z';
const zap = (o: Record<string, unknown>): string => JSON.stringify({ level: 'warn', ts: TS, caller: 'etcdserver/util.go:163', ...o });

/** Whole lines of every format, with the adversarial text placed where the parser looks deepest. */
const LINES: Record<string, (x: string) => string> = {
  'capnslog text': (x) => `2018-10-11 08:36:19.724999 W | etcdserver: ${x}`,
  'capnslog slow request': (x) => `2018-10-11 08:36:19.724999 W | etcdserver: read-only range request "${x}" with result "${x}" took too long (${x}) to execute`,
  'capnslog heartbeat': (x) => `2018-10-11 08:36:19.724999 W | etcdserver: failed to send out heartbeat on time (exceeded the ${x} timeout for ${x}, to ${x})`,
  'raft golog': (x) => `raft2026/11/21 16:02:00 INFO: ${x} became leader at term ${x}`,
  'zap slow request': (x) => zap({ msg: 'apply request took too long', took: x, 'expected-duration': '100ms', prefix: 'read-only range ', request: x, response: x }),
  'zap trace': (x) => zap({ level: 'info', msg: 'trace[1] range', detail: x, duration: x, start: x, end: x, steps: [x, `trace[1] '${x}' {${x}} (duration: ${x})`] }),
  'zap raft': (x) => zap({ level: 'info', msg: `raft.node: ${x} elected leader ${x} at term ${x}` }),
  'zap fdatasync': (x) => zap({ msg: 'slow fdatasync', took: x, 'expected-duration': x }),
  'zap other': (x) => zap({ msg: x, error: x }),
  'CRI envelope': (x) => `${TS} stderr F ${x}`,
  'CRI partial': (x) => `${TS} stderr P ${zap({ msg: x })}`,
  'docker json': (x) => JSON.stringify({ log: `${x}\n`, stream: 'stderr', time: TS }),
  'timestamp prefix': (x) => `${TS} ${x}`,
};

const fieldsOf = (x: string): JsonFields => ({ msg: x, request: x, response: x, detail: x, took: x, duration: x, error: x, steps: [x, x], prefix: x }) as JsonFields;
const candidate = new RegExp(candidateRegexSource(undefined));
const allKinds = new LineMatcher(undefined, true, true);

/** Every parser entry point, taking one string. */
const PARSERS: Record<string, (s: string) => unknown> = {
  parseLogLine: (s) => parseLogLine(s, 'etcd-1'),
  classifyCapnslog,
  classifyZap: (s) => classifyZap(s, fieldsOf(s)),
  parseTraceStep,
  parseTraceFields,
  parseGoDuration,
  parseTimestamp,
  parseGoLogTimestamp,
  parseMicrosecondsText,
  parseNanosecondsText,
  extractKeyRange,
  requestTypeOf,
  parseResponseText,
  unquoteGo,
  unwrapEnvelope,
  parseJsonObject,
  parseRaftLeaderMessage,
  keyPrefix: (s) => keyPrefix(s, s),
  'candidate regex': (s) => candidate.test(s),
  'LineMatcher.scan': (s) => {
    const buf = Buffer.from(`${s}\n${s}\n`);
    return allKinds.scan(buf, 0, buf.length, () => undefined);
  },
};

/** Pieces that make regexes backtrack: quotes, escapes, separators, digits, the parsers' own keywords. */
const UNITS = [
  "'", "' ", "' {", '"', '\\"', '\\', '1', '1.', '1m', ': ', ' ', '\t', '{', '}', '(', ')', '(duration: ', 'a',
  'key:"', 'range_end:"', 'range_response_count:', 'raft.node: ', 'auth', 'request "', 'with result "', 'took too long (',
  ':1111111111111111', '"a":', 'level', 'trace[1] \'', '2018-10-11 08:36:19 W | x: ', ' stderr P ',
];

/**
 * Sizes in characters. From 500 to 16,000 linear work grows about 32×, quadratic about 1,000×: a
 * ratio bound of 300 leaves linear parsers room for a busy machine and for the steps in cost that
 * large strings bring (V8 heap, lossless-json's parser), and still catches quadratic ones by a factor
 * of three. Only inputs whose large case costs a measurable time are timed carefully (best of five, in CPU time,
 * the small case repeated to about 2 ms); the rest are fast by any standard.
 */
const SMALL = 500;
const BIG = 16_000;
const MAX_RATIO = 300;
const WORTH_TIMING_MS = 3;

/**
 * CPU time of this process in ms, not wall time: on a loaded machine a measurement of a few ms is often
 * preempted, which wall time counts and CPU time does not (getrusage's total is kept in nanoseconds).
 */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Distinct copies of one text: V8 caches some regex results per string, which would flatter repeats. */
const copies = (s: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${i % 10}${s}`.slice(1));

/** Best of five: the mean CPU time of one call over the given copies. */
function perCallMs(f: (s: string) => unknown, texts: readonly string[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < 5; trial++) {
    const batch = trial === 0 ? texts : texts.map((t) => `${t} `.slice(0, -1));
    const t = cpuMs();
    for (const s of batch) f(s);
    best = Math.min(best, (cpuMs() - t) / batch.length);
  }
  return best;
}

const sized = (unit: string, chars: number): string => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);

function assertLinear(name: string, f: (s: string) => unknown, make: (x: string) => string, unit: string): void {
  const small = make(sized(unit, SMALL));
  const big = make(sized(unit, BIG));
  f(small);
  const t0 = cpuMs();
  f(`${big} `.slice(0, -1));
  if (cpuMs() - t0 < WORTH_TIMING_MS) return;
  const bigMs = perCallMs(f, copies(big, 1));
  const t1 = cpuMs();
  f(`${small} `.slice(0, -1));
  const reps = Math.max(1, Math.min(500, Math.ceil(2 / Math.max(cpuMs() - t1, 0.001))));
  const smallMs = perCallMs(f, copies(small, reps));
  const ratio = bigMs / Math.max(smallMs, 0.0001);
  expect(ratio, `${name}: ${BIG / SMALL}× the input cost ${ratio.toFixed(0)}× (${smallMs.toFixed(3)} → ${bigMs.toFixed(1)} ms)`).toBeLessThan(MAX_RATIO);
}

const tokens = fc.constantFrom(...UNITS, 'x', '\n', '\u2028', '🙂', '\ud800', 'ms', 'µs', 'Z', '+08:00', '0', '"', ']', '[');
const wild = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(tokens, { maxLength: 40 }).map((a) => a.join('')));

describe('log parsers never throw', () => {
  for (const [name, f] of Object.entries(PARSERS)) {
    it(name, () => {
      fc.assert(fc.property(wild, (s) => void f(s)), { numRuns: 300 });
    });
  }
  it('parseLogLine on every line format with arbitrary text inside', () => {
    const formats = Object.values(LINES);
    fc.assert(fc.property(fc.constantFrom(...formats), wild, (line, s) => void parseLogLine(line(s), 'etcd-1')), { numRuns: 1000 });
  });
});

describe('log parsers take time linear in the line', () => {
  for (const [name, f] of Object.entries(PARSERS)) {
    it(name, () => {
      for (const unit of UNITS) assertLinear(`${name} on ${JSON.stringify(unit)}×n`, f, (x) => x, unit);
    });
  }
  for (const [format, line] of Object.entries(LINES)) {
    it(`parseLogLine, ${format}`, () => {
      for (const unit of UNITS) assertLinear(`${format} with ${JSON.stringify(unit)}×n`, (s) => parseLogLine(s, 'etcd-1'), line, unit);
    });
  }
});

describe('trace steps, matched without backtracking', () => {
  // The regex the matcher replaces: same answers on every input, found in linear time.
  const STEP = /'(.+)'\s+(?:\{([^}]*)\}\s*)?\(duration: ([^)]+)\)\s*$/;
  const stepTokens = fc.constantFrom("'", ' ', '  ', '{', '}', '(duration: ', ')', 'x', '\n', '\r', '\u2028', '5ms', '\t', '\u00a0', '\ufeff', '\u3000', '\v', '(', 'range', '🙂');

  it('gives what the regex gave, on small inputs where the regex is still fast', () => {
    fc.assert(
      fc.property(fc.array(stepTokens, { maxLength: 25 }).map((a) => a.join('')), (s) => {
        const m = STEP.exec(s);
        expect(matchTraceStep(s)).toEqual(m ? { name: m[1], fields: m[2] ?? null, duration: m[3] } : null);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads the steps etcd writes', () => {
    expect(parseTraceStep("trace[2059338366] 'range keys from in-memory index tree'  (duration: 1.071ms)")).toEqual({
      name: 'range keys from in-memory index tree',
      durationMs: 1.071,
      fields: {},
    });
    expect(parseTraceStep("trace[1] 'marshal mvccpb.KeyValue' {req_type:range; range_begin:/registry/pods; } (duration: 2.5s)")).toEqual({
      name: 'marshal mvccpb.KeyValue',
      durationMs: 2500,
      fields: { req_type: 'range', range_begin: '/registry/pods' },
    });
  });
});
