import { statfs } from 'node:fs/promises';

/**
 * How a log file is read: `sync` (readSync into the scan's buffer: about half the system time per GiB of
 * reads through libuv's pool) or `async` (each read handed to the pool; the event loop keeps turning).
 *
 * A synchronous read stops the whole worker process for as long as it takes. From a local disk's page
 * cache that is a copy of a few hundred microseconds. On a network or user-space filesystem one read can
 * take seconds, or forever on a hard NFS mount whose server is gone: every other job of the worker would
 * stop meanwhile (deliveries, lock renewals, the scan's own deadline). So only filesystems known to be
 * local are read synchronously; anything else, or anything statfs(2) cannot tell, asynchronously.
 */
export type ReadMode = 'sync' | 'async';

/** statfs(2) f_type magic numbers (linux/magic.h) of filesystems whose reads are served by this kernel from a local device or memory. */
const LOCAL_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext2/3/4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0x794c7630, 'overlayfs'],
  [0x2fc12fc1, 'zfs'],
  [0xf2f52010, 'f2fs'],
  [0x3153464a, 'jfs'],
  [0x52654973, 'reiserfs'],
  [0x73717368, 'squashfs'],
  [0x4d44, 'vfat'],
]);

/** The read mode for a filesystem of this statfs type on this platform. */
export function readModeFor(filesystemType: number, platform: NodeJS.Platform = process.platform): ReadMode {
  // Magic numbers are Linux's; elsewhere nothing is known to be local.
  return platform === 'linux' && LOCAL_FILESYSTEMS.has(filesystemType) ? 'sync' : 'async';
}

/** The read mode for the filesystem `path` is on; `async` when it cannot be told. */
export async function readModeOf(path: string): Promise<ReadMode> {
  try {
    return readModeFor((await statfs(path)).type);
  } catch {
    return 'async';
  }
}

/** Thrown when the deadline passes while the filesystem has not answered: the scan is abandoned. */
export class FilesystemNotAnswering extends Error {
  constructor(
    readonly what: string,
    before: boolean,
    /** The operation given up on, still in the pool: settles when (if) the filesystem answers. */
    readonly pending: Promise<unknown>,
  ) {
    super(before ? `the deadline had passed before the ${what}` : `the ${what} had not completed by the deadline`);
  }
}

/**
 * `p` (an open, stat, or read through libuv's pool), or FilesystemNotAnswering once `signal` aborts
 * first. A read from a server that is gone never settles, and nothing can cancel it; without this the
 * scan, and the diagnosis waiting on it, would wait forever. `p` is left to settle on its own.
 */
export function unlessAborted<T>(p: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new FilesystemNotAnswering(what, false, p));
    try {
      signal.throwIfAborted();
      signal.addEventListener('abort', onAbort, { once: true });
    } catch {
      reject(new FilesystemNotAnswering(what, true, p));
    }
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
