import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAtMost } from '../../../src/sources/read-at-most.js';

/** A real HTTP server: a body with a Content-Length, and one streamed in 10 KiB chunks without one. */
let server: Server;
let base: string;
let streamedChunksWritten = 0;
/** Settles when the server sees the streamed answer's connection close: true if before its end. */
let streamClosed: Promise<boolean> = Promise.resolve(false);

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = Buffer.alloc(30 * 1024, 'abcdefgh');
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
      return;
    }
    // Chunked, written one chunk at a time so a reader that stops early is seen to stop. Past the third
    // chunk the stream goes on for a second (100 more), which a reader that stops never sees the end of.
    res.writeHead(200);
    streamedChunksWritten = 0;
    const chunks = req.url === '/long' ? 103 : 3;
    streamClosed = new Promise((resolve) => res.once('close', () => resolve(!res.writableFinished)));
    const write = (): void => {
      if (res.destroyed) return;
      if (streamedChunksWritten === chunks) return void res.end();
      const i = streamedChunksWritten++ % 3;
      res.write(body.subarray(i * 10 * 1024, (i + 1) * 10 * 1024), () => setTimeout(write, 10));
    };
    write();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const get = (path: string) => request(`${base}${path}`);

describe('readAtMost', () => {
  it('reads a body within the cap whole', async () => {
    for (const path of ['/declared', '/streamed']) {
      const got = await readAtMost(await get(path), 30 * 1024);
      expect(got.complete).toBe(true);
      expect(got.bytes.length).toBe(30 * 1024);
      expect(got.bytes.subarray(0, 8).toString()).toBe('abcdefgh');
    }
  });

  it('gives up an answer whose Content-Length is over the cap without reading it', async () => {
    const got = await readAtMost(await get('/declared'), 16 * 1024);
    expect(got).toEqual({ bytes: Buffer.alloc(0), complete: false });
  });

  it('gives up a streamed answer once it passes the cap, and stops reading it', async () => {
    const got = await readAtMost(await get('/long'), 12 * 1024);
    expect(got).toEqual({ bytes: Buffer.alloc(0), complete: false });
    // The connection is dropped, not drained: the server sees it close before the answer's end.
    expect(await streamClosed).toBe(true);
    expect(streamedChunksWritten).toBeLessThan(103);
  });

  it('keeps the first bytes up to the cap when asked to (an error page says what went wrong in its opening)', async () => {
    for (const path of ['/declared', '/streamed']) {
      const got = await readAtMost(await get(path), 12 * 1024, { keepHead: true });
      expect(got.complete).toBe(false);
      expect(got.bytes.length).toBe(12 * 1024);
      expect(got.bytes.equals(Buffer.alloc(12 * 1024, 'abcdefgh'))).toBe(true);
    }
  });
});
