import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLogSource } from '../../../src/sources/logs/file-source.js';
import type { LogFetchResult } from '../../../src/sources/logs/types.js';
import { tempDir } from '../../support/processes.js';

/**
 * The file source reads a local file synchronously, so the deadline's timer and the other members' scans only run
 * when the scan lets the event loop turn. A deadline that falls due while large files are being read
 * must still stop every source, each with what it has.
 */

const dir = tempDir('scan-deadline');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const M3 = readFileSync(new URL('../../fixtures/logs/etcd-3.4.23-3member-m3-zap.jsonl', import.meta.url), 'utf8');
const APPLY = M3.split('\n').find((l) => l.includes('"msg":"apply request took too long"'))!;
const INFO = M3.split('\n').find((l) => l.startsWith('{"level":"info"') && !l.includes('took too long'))!;

/** A log of about `mb` MiB: INFO noise with a slow request every 100 lines. */
function bigLog(name: string, mb: number): { path: string; bytes: number; applies: number } {
  const block: string[] = [];
  for (let i = 0; i < 100; i++) block.push(i === 0 ? APPLY : INFO);
  const text = `${block.join('\n')}\n`;
  const copies = Math.ceil((mb * 1024 * 1024) / Buffer.byteLength(text));
  const path = join(dir, name);
  writeFileSync(path, text.repeat(copies));
  return { path, bytes: Buffer.byteLength(text) * copies, applies: copies };
}

const ALL_TIME = { start: 0, end: Date.UTC(2100, 0, 1) };

describe('file source under a deadline', () => {
  const a = bigLog('a.jsonl', 48);
  const b = bigLog('b.jsonl', 48);
  const scan = (path: string, signal: AbortSignal): Promise<LogFetchResult> =>
    new FileLogSource({ type: 'file', path, member: 'etcd-3', format: 'zap' }).fetch({ ...ALL_TIME, signal, kinds: ['apply-slow'] });

  it('reads the whole file when no deadline falls due', async () => {
    const r = await scan(a.path, new AbortController().signal);
    expect(r.truncated).toEqual([]);
    expect(r.events).toHaveLength(a.applies);
    expect(r.stats['etcd-3']!.bytesRead).toBe(a.bytes);
  });

  it('stops two members scanned at once when a timer aborts them, each with the events read so far', async () => {
    const ac = new AbortController();
    // The deadline's timer is armed once a scan is reading; due at once, it can fire only when that scan
    // lets the event loop turn. A scan that never did would read its whole file first. A scan looks at
    // its signal before each of its open, statfs, stat and seek, then after each read: from its sixth
    // look on, it is reading. The other scan may then still be opening its file: the deadline ends it
    // there, with nothing read.
    let timer: NodeJS.Timeout | undefined;
    const looks = [0, 0];
    const aborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
    const signalOf = (i: number): AbortSignal => {
      const signal = AbortSignal.any([ac.signal]);
      Object.defineProperty(signal, 'aborted', {
        get(this: AbortSignal): boolean {
          looks[i]! += 1;
          if (looks.some((n) => n >= 6)) timer ??= setTimeout(() => ac.abort(), 0);
          return aborted.call(this) as boolean;
        },
      });
      return signal;
    };
    const [ra, rb] = await Promise.all([scan(a.path, signalOf(0)), scan(b.path, signalOf(1))]);
    clearTimeout(timer);
    expect(timer).toBeDefined();
    for (const [r, f] of [
      [ra, a],
      [rb, b],
    ] as const) {
      expect(r.truncated[0]).toMatchObject({ reason: 'deadline', member: 'etcd-3' });
      const read = r.stats['etcd-3']!.bytesRead;
      // Stopped at its next look after the timer fired, well before the end of its file.
      expect(read).toBeLessThan(f.bytes - 8 * 1024 * 1024);
      // What was read was scanned: one slow request per 100 lines of it.
      expect(r.events.length).toBeLessThan(f.applies);
      expect(Math.abs(r.events.length - read / (f.bytes / f.applies))).toBeLessThanOrEqual(1);
      expect(r.events.every((e) => e.kind === 'apply-slow')).toBe(true);
    }
    // The scan that was reading when the timer fired has its events.
    expect(Math.max(ra.events.length, rb.events.length)).toBeGreaterThan(0);
  });
});
