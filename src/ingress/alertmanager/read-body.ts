import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'aborted' };

/**
 * Reads a request body up to `maxBytes`. A declared Content-Length over the cap is refused before
 * reading; a chunked body is refused as soon as it passes the cap. The rest of an oversized body is
 * drained (up to a bound) rather than left unread, so the client sees the 413 instead of a reset.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    drain(req, maxBytes);
    return Promise.resolve({ ok: false, reason: 'too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        drain(req, maxBytes);
        finish({ ok: false, reason: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish({ ok: true, body: Buffer.concat(chunks, size) }));
    req.once('error', () => finish({ ok: false, reason: 'aborted' }));
    req.once('close', () => finish({ ok: false, reason: 'aborted' }));
  });
}

/** Discards the rest of a refused body; past a generous bound the connection is cut instead. */
function drain(req: IncomingMessage, maxBytes: number): void {
  let discarded = 0;
  const bound = Math.max(maxBytes * 16, 16 * 1024 * 1024);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > bound) req.destroy();
  });
  req.resume();
}
