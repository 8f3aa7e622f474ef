import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLogSource } from '../../../src/sources/logs/file-source.js';
import { readModeOf } from '../../../src/sources/logs/scan/read-mode.js';
import type { LogFetchResult } from '../../../src/sources/logs/types.js';
import { tempDir, waitFor } from '../../support/processes.js';

/**
 * Log files on a local filesystem are read synchronously, anything else through libuv's pool, where a
 * read that never answers (a network filesystem whose server is gone) must stop only its own scan, at
 * the deadline, with what it has. A FIFO with no writer stands in for that filesystem: opening it for
 * reading waits until someone opens it for writing, exactly like an open on a hung mount.
 */
const dir = tempDir('read-modes');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const M3 = readFileSync(new URL('../../fixtures/logs/etcd-3.4.23-3member-m3-zap.jsonl', import.meta.url), 'utf8');
const ALL_TIME = { start: 0, end: Date.UTC(2100, 0, 1) };
const fetchAll = (src: FileLogSource, signal = new AbortController().signal): Promise<LogFetchResult> => src.fetch({ ...ALL_TIME, signal });

describe('file source read modes', () => {
  it('tells a local filesystem from one it cannot vouch for', async () => {
    expect(await readModeOf('/dev/shm')).toBe('sync');
    expect(await readModeOf('/proc/self/status')).toBe('async');
    expect(await readModeOf(join(dir, 'no-such-dir', 'x.log'))).toBe('async');
  });

  it('reads through the pool to the same events, stats and cuts as synchronously', async () => {
    const path = join(dir, 'm3.jsonl');
    writeFileSync(path, M3);
    for (const chunkBytes of [4096, 1024 * 1024]) {
      const sync = await fetchAll(new FileLogSource({ type: 'file', path, member: 'etcd-3', format: 'auto' }, { chunkBytes, readMode: 'sync' }));
      const pooled = await fetchAll(new FileLogSource({ type: 'file', path, member: 'etcd-3', format: 'auto' }, { chunkBytes, readMode: 'async' }));
      expect(sync.events.length).toBeGreaterThan(0);
      expect(pooled).toEqual(sync);
    }
  });

  it('a filesystem that never answers stops its scan at the deadline, says so, is not asked again until it answers, and leaves nothing open', async () => {
    const fifo = join(dir, 'hung.log');
    execFileSync('mkfifo', [fifo]);
    const src = new FileLogSource({ type: 'file', path: fifo, member: 'etcd-2', format: 'zap' }, { readMode: 'async' });
    const r = await fetchAll(src, AbortSignal.timeout(300));
    expect(r.errors).toEqual([]);
    expect(r.events).toEqual([]);
    expect(r.truncated).toEqual([
      expect.objectContaining({ member: 'etcd-2', reason: 'deadline', detail: 'deadline reached after 0 bytes: the open had not completed by the deadline' }),
    ]);
    // While that open still waits in the pool, the next diagnosis does not queue another behind it:
    // it is told at once, without waiting for its own deadline.
    const again = await fetchAll(src, AbortSignal.timeout(30_000));
    expect(again.events).toEqual([]);
    expect(again.errors).toEqual([
      { source: `file ${fifo}`, member: 'etcd-2', message: expect.stringMatching(/^not read: the open given up on at a deadline \d+ s ago has still not completed$/) },
    ]);
    // Once the open completes, the source is read again (here: it waits for the FIFO once more, and is
    // given up on at its deadline again), and the handle the first open returned is closed, not leaked.
    const writer = openSync(fifo, 'w');
    closeSync(writer);
    let later: LogFetchResult | undefined;
    await waitFor('the source to be read again', async () => {
      later = await fetchAll(src, AbortSignal.timeout(300));
      return later.errors.length === 0;
    }, 10_000, 20);
    expect(later!.truncated.map((t) => t.detail)).toEqual(['deadline reached after 0 bytes: the open had not completed by the deadline']);
    closeSync(openSync(fifo, 'w'));
    await waitFor('no descriptor left on the FIFO', () => descriptorsOn(fifo) === 0, 10_000, 20);
  });
});

/** This process' open descriptors on `path`. */
function descriptorsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}
