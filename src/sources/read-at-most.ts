import type { Dispatcher } from 'undici';

export interface CappedBody {
  /** What was read: the whole body, or (with `keepHead`) its first `max` bytes, else nothing. */
  bytes: Buffer;
  /** False when the body was longer than `max` (by its Content-Length, or as it streamed in). */
  complete: boolean;
}

/**
 * Reads an HTTP answer's body up to `max` bytes. Past that, nothing more is read and the connection is
 * dropped rather than drained: an answer the size of a whole fleet's series (or an error page of
 * unbounded length) must not be held in memory or keep a connection busy. An answer that is useless in
 * part (JSON) is given up as soon as its Content-Length says it is too long; with `keepHead`, the first
 * `max` bytes are kept (an error page's opening says what went wrong).
 */
export async function readAtMost(
  res: Pick<Dispatcher.ResponseData, 'body' | 'headers'>,
  max: number,
  opts: { keepHead?: boolean } = {},
): Promise<CappedBody> {
  const drop = (): void => {
    // undici reports a body destroyed before its end as aborted: that abort is ours and says nothing.
    res.body.on('error', () => undefined);
    res.body.destroy();
  };
  const declared = res.headers['content-length'];
  if (!opts.keepHead && typeof declared === 'string' && Number(declared) > max) {
    drop();
    return { bytes: Buffer.alloc(0), complete: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    if (size + buf.length > max) {
      drop();
      if (!opts.keepHead) return { bytes: Buffer.alloc(0), complete: false };
      chunks.push(buf.subarray(0, max - size));
      return { bytes: Buffer.concat(chunks, max), complete: false };
    }
    chunks.push(buf);
    size += buf.length;
  }
  return { bytes: Buffer.concat(chunks, size), complete: true };
}
