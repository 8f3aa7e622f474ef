import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLogSource, type FileLogSourceConfig } from '../../../src/sources/logs/file-source.js';
import type { LogFetchQuery, LogFetchResult } from '../../../src/sources/logs/types.js';

const dir = mkdtempSync(join(tmpdir(), 'etcd-triage-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/logs/${name}`, import.meta.url), 'utf8');
const M3 = fixture('etcd-3.4.23-3member-m3-zap.jsonl');
const M3_LINES = M3.split('\n').filter(Boolean);
const ALL_TIME = { start: 0, end: Date.UTC(2100, 0, 1) };

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function source(path: string, extra: Partial<FileLogSourceConfig> = {}, chunkBytes?: number): FileLogSource {
  return new FileLogSource({ type: 'file', path, member: 'etcd-3', format: 'auto', ...extra }, chunkBytes ? { chunkBytes } : {});
}

function fetch(src: FileLogSource, q: Partial<LogFetchQuery> = {}): Promise<LogFetchResult> {
  return src.fetch({ ...ALL_TIME, signal: new AbortController().signal, ...q });
}

const kinds = (r: LogFetchResult): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const e of r.events) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
};

describe('file source on a real 3.4.23 log', () => {
  const path = write('m3.jsonl', M3);

  it('keeps the diagnosis events and the warnings, not the INFO noise', async () => {
    const r = await fetch(source(path));
    expect(r.errors).toEqual([]);
    expect(r.truncated).toEqual([]);
    expect(kinds(r)).toMatchObject({ 'apply-slow': 7, trace: 19, 'readindex-retry': 2, 'peer-inactive': 3, 'stream-lost': 5, 'peer-active': 3 });
    expect(r.events.every((e) => e.member === 'etcd-3')).toBe(true);
    const s = r.stats['etcd-3']!;
    expect(s.linesRead).toBe(M3_LINES.length);
    expect(s.bytesRead).toBe(Buffer.byteLength(M3));
    expect(s.linesMatched).toBe(r.events.length);
    // sorted by time
    expect(r.events.map((e) => e.time)).toEqual([...r.events.map((e) => e.time)].sort((a, b) => a - b));
  });

  it('gives the same events whatever the read size (lines split across buffers)', async () => {
    const big = await fetch(source(path));
    const small = await fetch(source(path, {}, 4096));
    expect(small.events).toEqual(big.events);
    expect(small.stats['etcd-3']!.linesRead).toBe(M3_LINES.length);
  });

  it('honours the window', async () => {
    const start = Date.UTC(2026, 10, 21, 16, 1, 39);
    const end = Date.UTC(2026, 10, 21, 16, 1, 41);
    const r = await fetch(source(path), { start, end });
    expect(r.events.length).toBeGreaterThan(0);
    expect(r.events.every((e) => e.time >= start && e.time <= end)).toBe(true);
  });

  it('asked for one kind, returns only that kind, in zap and auto mode alike', async () => {
    const auto = await fetch(source(path), { kinds: ['apply-slow'] });
    const zap = await fetch(source(path, { format: 'zap' }), { kinds: ['apply-slow'] });
    expect(kinds(auto)).toEqual({ 'apply-slow': 7 });
    expect(zap.events).toEqual(auto.events);
    expect(zap.stats['etcd-3']!.linesRead).toBe(M3_LINES.length);
  });

  it('caps events, bytes and lines and says so', async () => {
    const ev = await fetch(source(path), { limits: { maxEvents: 2 } });
    expect(ev.events).toHaveLength(2);
    expect(ev.truncated[0]).toMatchObject({ member: 'etcd-3', reason: 'events' });

    const by = await fetch(source(path, {}, 4096), { limits: { maxBytes: 10_000 } });
    expect(by.stats['etcd-3']!.bytesRead).toBeLessThanOrEqual(10_000);
    expect(by.truncated[0]).toMatchObject({ reason: 'bytes' });

    const li = await fetch(source(path, {}, 4096), { limits: { maxLines: 20 } });
    expect(li.truncated[0]).toMatchObject({ reason: 'lines' });
    expect(li.stats['etcd-3']!.linesRead).toBeLessThan(M3_LINES.length);
  });

  it('an aborted fetch returns what it has, marked deadline', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await source(path).fetch({ ...ALL_TIME, signal: ac.signal });
    expect(r.errors).toEqual([]);
    expect(r.truncated[0]).toMatchObject({ reason: 'deadline' });
  });

  it('a missing file is an error entry, not an exception', async () => {
    const r = await fetch(source(join(dir, 'nope.log')));
    expect(r.events).toEqual([]);
    expect(r.errors[0]).toMatchObject({ member: 'etcd-3' });
    expect(r.errors[0]!.message).toMatch(/ENOENT/);
  });
});

describe('file formats', () => {
  const zapLines = M3_LINES;

  it('CRI (/var/log/pods) with a partial line split in two', async () => {
    const lines = zapLines.map((l, i) => `2026-11-21T16:01:${String(i % 60).padStart(2, '0')}.000000001Z stderr F ${l}`);
    const target = zapLines.findIndex((l) => l.includes('apply request took too long'));
    const whole = zapLines[target]!;
    lines[target] = `2026-11-21T16:01:40.1Z stderr P ${whole.slice(0, 90)}\n2026-11-21T16:01:40.1Z stderr F ${whole.slice(90)}`;
    const path = write('cri.log', lines.join('\n') + '\n');
    const r = await fetch(source(path, { format: 'cri' }));
    expect(kinds(r)['apply-slow']).toBe(7);
    expect(r.events.every((e) => e.envelope === 'cri')).toBe(true);
    // The fast path (needles) joins the pieces too, whichever piece holds the needle.
    const fast = await fetch(source(path, { format: 'cri' }), { kinds: ['apply-slow'] });
    expect(fast.events.filter((e) => e.kind === 'apply-slow')).toEqual(r.events.filter((e) => e.kind === 'apply-slow'));
    const late = lines.slice();
    late[target] = `2026-11-21T16:01:40.1Z stderr P ${whole.slice(0, 200)}\n2026-11-21T16:01:40.1Z stderr F ${whole.slice(200)}`;
    const lateFast = await fetch(source(write('cri-late.log', late.join('\n') + '\n'), { format: 'cri' }), { kinds: ['apply-slow'] });
    expect(lateFast.events).toHaveLength(7);
  });

  it('docker json-file', async () => {
    const text = zapLines.map((l) => JSON.stringify({ log: l + '\n', stream: 'stderr', time: '2026-11-21T16:01:40.000000001Z' })).join('\n');
    const r = await fetch(source(write('docker.log', text), { format: 'docker' }), { kinds: ['apply-slow', 'trace'] });
    expect(kinds(r)).toEqual({ 'apply-slow': 7, trace: 19 });
    expect(r.events[0]!.envelope).toBe('docker');
  });

  it('journald -o json export', async () => {
    const text = zapLines
      .map((l, i) => JSON.stringify({ __REALTIME_TIMESTAMP: String(1795276800000000 + i * 1000), _SYSTEMD_UNIT: 'etcd.service', MESSAGE: l }))
      .join('\n');
    const r = await fetch(source(write('journal.json', text)));
    expect(kinds(r)['apply-slow']).toBe(7);
    expect(r.events[0]!.envelope).toBe('journald');
  });

  it('capnslog text', async () => {
    const r = await fetch(source(write('capnslog.txt', fixture('etcd-3.4.23-single-capnslog.txt')), { format: 'capnslog' }));
    expect(kinds(r)).toMatchObject({ 'apply-slow': 2, leader: 6, compaction: 1, defrag: 2 });
  });

  it('broken and over-long lines are skipped, the rest still parsed', async () => {
    const junk = ['{"level":"warn",', '\u0000\u0001\u0002', '{"level":"warn","ts":"bad","msg":"slow fdatasync"}', 'x'.repeat(20_000)];
    const mixed = zapLines.flatMap((l, i) => (i % 10 === 0 ? [junk[(i / 10) % junk.length]!, l] : [l]));
    const r = await fetch(source(write('mixed.log', mixed.join('\n')), {}, 8192));
    expect(r.errors).toEqual([]);
    expect(kinds(r)['apply-slow']).toBe(7);
    expect(r.stats['etcd-3']!.linesUnparsed).toBeGreaterThan(0);
  });
});

describe('seeking in a large file', () => {
  it('reads only the tail for a window at the end', async () => {
    const path = join(dir, 'big.jsonl');
    const t0 = Date.UTC(2026, 0, 1);
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const ts = new Date(t0 + i * 100).toISOString();
      lines.push(
        i % 500 === 0
          ? `{"level":"warn","ts":"${ts}","caller":"wal/wal.go:806","msg":"slow fdatasync","took":"1.${i}s","expected-duration":"1s"}`
          : `{"level":"info","ts":"${ts}","caller":"mvcc/index.go:214","msg":"compact tree index","revision":${i},"padding":"${'p'.repeat(100)}"}`,
      );
      if (lines.length === 5000) {
        appendFileSync(path, lines.join('\n') + '\n');
        lines.length = 0;
      }
    }
    const size = readFileSync(path).length;
    const start = t0 + 39_000 * 100;
    const r = await fetch(source(path, { format: 'zap' }, 64 * 1024), { start, end: t0 + 40_000 * 100 });
    // Lines 39000 and 39500 ("took":"1.39000s", "1.39500s") are the only warnings in the window.
    expect(r.events.map((e) => (e.kind === 'slow-fdatasync' ? e.tookMs : 0))).toEqual([1390, 1395]);
    expect(r.stats['etcd-3']!.bytesRead).toBeLessThan(size / 10);
  });
});
