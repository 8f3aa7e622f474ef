import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { collectorsResult, errorMessage, MemberCollector, resolveLimits } from './collect.js';
import { seekToTime } from './scan/file-seek.js';
import { LineMatcher } from './scan/line-match.js';
import { allocCountable } from './scan/newline-count.js';
import { FilesystemNotAnswering, readModeOf, unlessAborted, type ReadMode } from './scan/read-mode.js';
import type { LogSourceConfig } from '../../config/schema.js';
import type { LogFetchQuery, LogFetchResult, LogSource } from './types.js';

export type FileLogSourceConfig = Extract<LogSourceConfig, { type: 'file' }>;

/** Lines this much older than the window start may still be logged after it (clock skew, buffering). */
const SEEK_SLACK_MS = 30_000;
/** Longest line kept; etcd lines are far shorter (requests are logged with value sizes, not values). */
const MAX_LINE_BYTES = 1024 * 1024;
/** Bytes scanned between turns of the event loop (a few ms of work). */
const YIELD_BYTES = 8 * 1024 * 1024;

export interface FileSourceOptions {
  /** Read size; memory use is this buffer plus the events kept. */
  chunkBytes?: number;
  /** Synchronous or asynchronous reads; by default decided by the file's filesystem (see read-mode.ts). */
  readMode?: ReadMode;
}

/**
 * One member's log file (zap, capnslog, CRI, docker json-file, journald JSON; detected per line).
 * Streams through one fixed buffer: memory does not grow with the file size, only with the events kept
 * (at most `maxEvents`).
 */
export class FileLogSource implements LogSource {
  readonly name: string;
  readonly members: readonly string[];
  private readonly chunkBytes: number;
  private readonly readMode: ReadMode | undefined;
  /**
   * Set while an operation this source gave up on at a deadline is still waiting in libuv's pool (four
   * threads, shared with DNS lookups and every other file operation of the worker): the file is not
   * touched again until it settles, so a hung mount holds at most one of those threads, not one more per
   * diagnosis until Prometheus' host names no longer resolve either.
   */
  private unanswered: { what: string; since: number } | undefined;

  constructor(
    private readonly cfg: FileLogSourceConfig,
    opts: FileSourceOptions = {},
  ) {
    this.name = `file ${cfg.path}`;
    this.members = [cfg.member];
    // 1 MiB: few enough reads that their fixed cost vanishes; 256 KiB cost more system time per GiB,
    // 4 MiB no less.
    this.chunkBytes = opts.chunkBytes ?? 1024 * 1024;
    this.readMode = opts.readMode;
  }

  async fetch(q: LogFetchQuery): Promise<LogFetchResult> {
    const c = new MemberCollector(this.name, this.cfg.member, q, resolveLimits(q));
    const stuck = this.unanswered;
    if (stuck !== undefined) {
      const ago = Math.round((Date.now() - stuck.since) / 1000);
      const message = `not read: the ${stuck.what} given up on at a deadline ${ago} s ago has still not completed`;
      return collectorsResult([c], [{ source: this.name, member: this.cfg.member, message }]);
    }
    let fh: FileHandle | undefined;
    const opening = open(this.cfg.path, 'r');
    try {
      // The filesystem is asked per fetch (a log directory can be remounted while the bot runs), at the
      // same time as the open: one turn of the event loop for both, not one each.
      const [opened, mode] = await Promise.all([
        unlessAborted(opening, q.signal, 'open'),
        this.readMode ?? unlessAborted(readModeOf(this.cfg.path), q.signal, 'statfs'),
      ]);
      fh = opened;
      await this.scan(fh, q, c, mode);
      return collectorsResult([c], []);
    } catch (err) {
      if (!(err instanceof FilesystemNotAnswering)) {
        return collectorsResult([c], [{ source: this.name, member: this.cfg.member, message: errorMessage(err) }]);
      }
      const since = Date.now();
      this.unanswered = { what: err.what, since };
      const settled = (): void => {
        if (this.unanswered?.since === since) this.unanswered = undefined;
      };
      err.pending.then(settled, settled);
      // What was read so far is kept, and the reason is shown like any other deadline.
      c.truncate('deadline', `deadline reached after ${c.stats.bytesRead} bytes: ${err.message}`);
      return collectorsResult([c], []);
    } finally {
      // A close waits for the handle's pending read: after a read that never answered, it is left to
      // happen when (if) the read does, and never awaited.
      const closing = fh === undefined ? opening.then((h) => h.close()) : fh.close();
      const closed = closing.catch(() => undefined);
      if (!q.signal.aborted) await closed;
    }
  }

  private async scan(fh: FileHandle, q: LogFetchQuery, c: MemberCollector, mode: ReadMode): Promise<void> {
    const { size } = await unlessAborted(fh.stat(), q.signal, 'stat');
    // Files declared zap or CRI hold plain zap JSON; `auto` may hold anything, so only plain fragments.
    const format = this.cfg.format;
    const matcher = new LineMatcher(q.kinds, format === 'zap' || format === 'cri', format === 'cri' || format === 'auto');
    const limits = c.limits;
    const startPos = size > 0 ? await unlessAborted(seekToTime(fh, size, q.start - SEEK_SLACK_MS), q.signal, 'read') : 0;

    // One buffer, read synchronously from a local filesystem: a read from the page cache is a copy
    // that costs less on this thread than handing it to libuv's pool and back (measured: about half the
    // system time per GiB into this page-aligned WebAssembly memory, none of the pool's wake-ups); from
    // any other filesystem through the pool, so that a read that hangs stops this scan only. The buffer
    // keeps a reserve in front of its read area where the unfinished last line of the previous read is
    // moved, so lines are contiguous. A line longer than the reserve is dropped (counted unparsed).
    const chunk = this.chunkBytes;
    const reserve = Math.min(MAX_LINE_BYTES, chunk);
    const buf = allocCountable(reserve + chunk);
    let readPos = startPos;
    let requested = 0;
    let carry = 0;
    let skippingLongLine = false;
    let stop = false;
    let sinceYield = 0;
    // What the next read asks for: a chunk, no more than the byte cap leaves, no further than the end.
    const nextWant = (): number => Math.min(chunk, limits.maxBytes - requested, size - readPos);
    for (;;) {
      const want = nextWant();
      if (want <= 0) return;
      const n = mode === 'sync' ? readSync(fh.fd, buf, reserve, want, readPos) : (await unlessAborted(fh.read(buf, reserve, want, readPos), q.signal, 'read')).bytesRead;
      readPos += n;
      requested += want;
      c.stats.bytesRead += n;
      const atEnd = n < want || q.signal.aborted || nextWant() <= 0;

      const dataEnd = reserve + n;
      let from = reserve - carry;
      if (skippingLongLine) {
        const nl = buf.indexOf(0x0a, from);
        if (nl >= 0 && nl < dataEnd) {
          from = nl + 1;
          skippingLongLine = false;
        } else {
          from = dataEnd;
        }
      }
      let to = dataEnd;
      if (!atEnd) {
        const lastNl = buf.lastIndexOf(0x0a, dataEnd - 1);
        to = lastNl >= from ? lastNl + 1 : from;
      }
      c.stats.linesRead += matcher.scan(buf, from, to, (s, e) => {
        if (c.acceptBytes(buf, s, e) !== 'continue') {
          stop = true;
          return false;
        }
        return true;
      });
      const offset = startPos + c.stats.bytesRead;
      if (stop) return;
      if (q.signal.aborted) {
        c.truncate('deadline', `deadline reached at offset ${offset} of ${size}`);
        return;
      }
      if (c.stats.linesRead >= limits.maxLines) {
        c.truncate('lines', `line cap of ${limits.maxLines} lines reached at offset ${offset} of ${size}`);
        return;
      }
      if (atEnd) {
        if (offset < size && requested >= limits.maxBytes) {
          c.truncate('bytes', `read cap of ${limits.maxBytes} bytes reached at offset ${offset} of ${size}`);
        }
        return;
      }
      carry = dataEnd - to;
      if (carry > reserve) {
        // The unfinished line is longer than the reserve: drop it rather than grow memory.
        c.stats.linesUnparsed++;
        skippingLongLine = true;
        carry = 0;
      } else if (carry > 0) {
        buf.copy(buf, reserve - carry, to, dataEnd);
      }
      // Reads do not wait on the event loop: let it turn now and then, so that the deadline's timer
      // fires, other members' sources and queries progress, and an abort is seen within a few ms.
      sinceYield += n;
      if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
  }
}
