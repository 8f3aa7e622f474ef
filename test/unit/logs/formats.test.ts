import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../../../src/sources/logs/parse-duration.js';
import { parseLogLine, StreamLineParser } from '../../../src/sources/logs/parse-line.js';
import { parseMicrosecondsText, parseNanosecondsText, parseTimestamp, msToNanosecondsText } from '../../../src/sources/logs/parse-time.js';
import { extractKeyRange, parseResponseText, requestTypeOf } from '../../../src/sources/logs/parse-request.js';

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
