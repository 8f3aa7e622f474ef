import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../../../src/sources/logs/parse/parse-duration.js';
import { parseLogLine, StreamLineParser } from '../../../src/sources/logs/parse/parse-line.js';
import { parseMicrosecondsText, parseNanosecondsText, parseTimestamp, msToNanosecondsText } from '../../../src/sources/logs/parse/parse-time.js';
import { extractKeyRange, parseResponseText, requestTypeOf } from '../../../src/sources/logs/parse/parse-request.js';

const ZAP =
  '{"level":"warn","ts":"2026-11-21T16:01:06.992Z","caller":"etcdserver/util.go:167","msg":"apply request took too long","took":"245.013678ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\\"/registry/pods/\\" range_end:\\"/registry/pods0\\" ","response":"range_response_count:150 size:140007628"}';
const ZAP_TIME = Date.UTC(2026, 10, 21, 16, 1, 6, 992);

describe('Go durations', () => {
  it.each([
    ['3.000607371s', 3000.607371],
    ['118ms', 118],
    ['7.819µs', 0.007819],
    ['7.819μs', 0.007819],
    ['1m2.5s', 62500],
    ['2h0m0s', 7_200_000],
    ['0s', 0],
    ['150ns', 0.00015],
    ['500ms', 500],
  ])('%s → %d ms', (text, ms) => expect(parseGoDuration(text)).toBe(ms));
  it.each(['', 'abc', '1x', '12', 's', null, 5])('rejects %j', (t) => expect(parseGoDuration(t)).toBeNull());
  it.each([
    ['5.s', 5000],
    ['.5ms', 0.5],
    [' 5ms', 5],
    ['-5ms', -5],
    ['00s', 0],
    ['812.5µs', 0.8125],
  ])('single-unit edge %j → %d ms', (text, ms) => expect(parseGoDuration(text)).toBe(ms));
  it.each(['.ms', '1.2.3s', `${'9'.repeat(400)}s`, '5 s', 'ms'])('rejects %j (also an overflowing number)', (t) =>
    expect(parseGoDuration(t)).toBeNull(),
  );
  it('agrees with the Go grammar on any text made of duration characters', () => {
    // The grammar as a regex, as etcd's durations are specified (time.ParseDuration without signs inside).
    const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ns: 1e-6 };
    const whole = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:h|ms|m|s|us|µs|μs|ns))+$/;
    const reference = (text: string): number | null => {
      const t = text.trim();
      if (t === '0') return 0;
      if (!whole.test(t)) return null;
      let total = 0;
      for (const m of t.matchAll(/(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|μs|ns)/g)) total += Number(m[1]) * units[m[2]!]!;
      if (!Number.isFinite(total)) return null;
      total = Math.round(total * 1e6) / 1e6;
      return t.startsWith('-') ? -total : total;
    };
    const chars = fc.constantFrom('0', '1', '7', '9', '.', 'm', 's', 'µ', 'μ', 'u', 'n', 'h', '-', ' ', 'x');
    const text = fc.oneof(
      fc.array(chars, { maxLength: 10 }).map((c) => c.join('')),
      fc.tuple(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom('ms', 's', 'µs', 'us', 'ns', 'm', 'h')).map(([n, u]) => `${n}${u}`),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(parseGoDuration(t)).toBe(reference(t));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('timestamps', () => {
  it.each([
    ['2020-06-30T01:17:40.462Z', Date.UTC(2020, 5, 30, 1, 17, 40, 462)],
    ['2024-04-22T17:18:03.213763+0800', Date.UTC(2024, 3, 22, 9, 18, 3) + 213.763],
    ['2024-04-22T17:18:03.213763+08:00', Date.UTC(2024, 3, 22, 9, 18, 3) + 213.763],
    ['2025-11-16T00:15:22.266350Z', Date.UTC(2025, 10, 16, 0, 15, 22) + 266.35],
    ['2024-01-01T00:00:00-0130', Date.UTC(2024, 0, 1, 1, 30, 0)],
    ['2023-08-18T11:00:50.951550247+08:00', Date.UTC(2023, 7, 18, 3, 0, 50) + 951.55],
    ['2018-10-11 08:36:19.724999', Date.UTC(2018, 9, 11, 8, 36, 19) + 724.999],
  ])('%s', (text, ms) => expect(parseTimestamp(text)).toBeCloseTo(ms, 6));
  it.each([
    ['2026-01-01T00:04:26Z', Date.UTC(2026, 0, 1, 0, 4, 26)],
    ['2026-01-01T00:04:26.7Z', Date.UTC(2026, 0, 1, 0, 4, 26, 700)],
    ['2026-01-01T00:04:26.123456789Z', Date.UTC(2026, 0, 1, 0, 4, 26) + 123.456],
  ])('UTC form %s', (text, ms) => expect(parseTimestamp(text)).toBe(ms));
  it.each(['2026-01-01T00:04:26.Z', '2026-01-01T00:04:2x.5Z', '2026-01-01T00:04:26.12a4Z', '2026-01-01 00:04Z'])(
    'rejects %s',
    (t) => expect(parseTimestamp(t)).toBeNull(),
  );
  it('UTC texts parse as Date.parse reads them, to the microsecond', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true }), fc.nat(999), fc.integer({ min: 0, max: 6 }), (d, us, digits) => {
        const iso = d.toISOString();
        const fraction = (iso.slice(20, 23) + String(us).padStart(3, '0')).slice(0, digits);
        const text = `${iso.slice(0, 19)}${digits ? `.${fraction}` : ''}Z`;
        const expectedMs = Date.parse(`${iso.slice(0, 19)}Z`) + (digits ? Number(fraction.padEnd(6, '0')) / 1000 : 0);
        expect(parseTimestamp(text)).toBe(expectedMs);
      }),
      { numRuns: 2000 },
    );
  });
  it('journald µs and Loki ns texts', () => {
    expect(parseMicrosecondsText('1795276866992123')).toBeCloseTo(1795276866992.123, 3);
    expect(parseNanosecondsText('1795276866992123456')).toBeCloseTo(1795276866992.123, 3);
    expect(msToNanosecondsText(1795276866992.5)).toBe('1795276866992500000');
  });
});

describe('request text', () => {
  it('range with range_end and octal escapes', () => {
    expect(extractKeyRange('key:"\\000" range_end:"\\000" ')).toEqual({ key: '\u0000', rangeEnd: '\u0000' });
    expect(extractKeyRange('key:"/a\\"b" ')).toEqual({ key: '/a"b', rangeEnd: null });
  });
  it('writes: put, txn, delete, compaction', () => {
    const put = 'header:<ID:7587869873452412420 > put:<key:"/registry/leases/kube-node-lease/n6" value_size:42 >';
    expect(requestTypeOf(put)).toBe('put');
    expect(extractKeyRange(put).key).toBe('/registry/leases/kube-node-lease/n6');
    expect(requestTypeOf('header:<ID:1 > txn:<compare:<target:MOD key:"/a" mod_revision:5 > success:<request_put:<key:"/a" value_size:3 > > failure:<> >')).toBe('txn');
    expect(requestTypeOf('header:<ID:1 > delete_range:<key:"/a" >')).toBe('delete_range');
    expect(requestTypeOf('header:<ID:1 > compaction:<revision:66 >')).toBe('compaction');
    expect(requestTypeOf('key:"/a" ')).toBe('range');
  });
  it('response numbers', () => {
    expect(parseResponseText('range_response_count:150 size:140007628')).toEqual({ count: 150, size: 140007628 });
    expect(parseResponseText('size:42')).toEqual({ count: null, size: 42 });
    expect(parseResponseText('responses:<response_range:<kvs:<> > > size:9')).toEqual({ count: null, size: 9 });
  });
});

describe('envelopes', () => {
  it('plain zap', () => {
    const e = parseLogLine(ZAP, 'm');
    expect(e).toMatchObject({ kind: 'apply-slow', envelope: 'none', time: ZAP_TIME, responseCount: 150, responseSize: 140007628 });
  });

  it('CRI F line', () => {
    const e = parseLogLine(`2026-11-21T16:01:06.993012345Z stderr F ${ZAP}`, 'm');
    expect(e).toMatchObject({ kind: 'apply-slow', envelope: 'cri', time: ZAP_TIME });
  });

  it('CRI P partial lines are joined with the F line that ends them', () => {
    const p = new StreamLineParser('m');
    const cut = 120;
    expect(p.push(`2026-11-21T16:01:06.993Z stderr P ${ZAP.slice(0, cut)}`)).toBe('partial');
    const e = p.push(`2026-11-21T16:01:06.993Z stderr F ${ZAP.slice(cut)}`);
    expect(e).not.toBe('partial');
    expect(e).toMatchObject({ kind: 'apply-slow', key: '/registry/pods/', tookMs: 245.013678 });
  });

  it('docker json-file', () => {
    const line = JSON.stringify({ log: ZAP + '\n', stream: 'stderr', time: '2026-11-21T16:01:06.993501Z' });
    expect(parseLogLine(line, 'm')).toMatchObject({ kind: 'apply-slow', envelope: 'docker', time: ZAP_TIME });
  });

  it('docker json-file split line (over 16 KiB) is joined', () => {
    const p = new StreamLineParser('m');
    expect(p.push(JSON.stringify({ log: ZAP.slice(0, 50), stream: 'stderr', time: '2026-11-21T16:01:06.993Z' }))).toBe('partial');
    expect(p.push(JSON.stringify({ log: ZAP.slice(50) + '\n', stream: 'stderr', time: '2026-11-21T16:01:06.993Z' }))).toMatchObject({ kind: 'apply-slow' });
  });

  it('Kubernetes API timestamps=true prefix', () => {
    expect(parseLogLine(`2026-11-21T16:01:06.993012345Z ${ZAP}`, 'm')).toMatchObject({ kind: 'apply-slow', envelope: 'k8s-timestamp', time: ZAP_TIME });
  });

  it('journald -o json, with MESSAGE as text and as a byte array', () => {
    const j = { __REALTIME_TIMESTAMP: '1795276866993000', _SYSTEMD_UNIT: 'etcd.service', PRIORITY: '4', MESSAGE: ZAP };
    expect(parseLogLine(JSON.stringify(j), 'm')).toMatchObject({ kind: 'apply-slow', envelope: 'journald', time: ZAP_TIME });
    const bytes = { ...j, MESSAGE: [...Buffer.from(ZAP)] };
    expect(parseLogLine(JSON.stringify(bytes), 'm')).toMatchObject({ kind: 'apply-slow', envelope: 'journald' });
    expect(parseLogLine(JSON.stringify({ ...j, MESSAGE: null }), 'm')).toBeNull();
  });

  it('journald carrying capnslog text', () => {
    const j = { __REALTIME_TIMESTAMP: '1540484435185438', MESSAGE: '2018-10-25 16:20:35.185438 W | wal: sync duration of 1.134771573s, expected less than 1s' };
    expect(parseLogLine(JSON.stringify(j), 'm')).toMatchObject({ kind: 'slow-fdatasync', envelope: 'journald', format: 'capnslog', tookMs: 1134.771573 });
  });

  it('a text line with no etcd timestamp takes the envelope time', () => {
    const e = parseLogLine('2026-11-21T16:01:06.5Z stderr F panic: something', 'm');
    expect(e).toMatchObject({ kind: 'other', format: 'text', time: Date.UTC(2026, 10, 21, 16, 1, 6, 500) });
  });
});
