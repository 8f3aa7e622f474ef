import type { FileHandle } from 'node:fs/promises';
import { parseLogLine } from '../parse/parse-line.js';

/**
 * Finds where in a chronological log file a time starts, by binary search over byte offsets: a 15-minute
 * window at the end of a 1 GB file costs a few dozen small reads instead of a full scan.
 */

const PROBE_BYTES = 64 * 1024;
/** Below this span a linear read is cheaper than more probes. */
const STOP_SPAN = 1024 * 1024;

/** Time of the first line that starts at or after `offset` and carries one; null if none in the probe. */
async function timeAfter(fh: FileHandle, offset: number, buf: Buffer): Promise<number | null> {
  const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
  let s = 0;
  if (offset > 0) {
    const nl = buf.indexOf(0x0a, 0);
    if (nl < 0 || nl >= bytesRead) return null;
    s = nl + 1;
  }
  for (let tries = 0; tries < 64 && s < bytesRead; tries++) {
    const nl = buf.indexOf(0x0a, s);
    if (nl < 0 || nl >= bytesRead) return null;
    const e = parseLogLine(buf.toString('utf8', s, nl), '');
    if (e !== null) return e.time;
    s = nl + 1;
  }
  return null;
}

/**
 * The offset of a line start at or before the first line with time >= `time`. Conservative: when a
 * probe cannot tell (no timestamp found), the search stops and the earlier bound is used.
 */
export async function seekToTime(fh: FileHandle, size: number, time: number): Promise<number> {
  const buf = Buffer.allocUnsafe(PROBE_BYTES);
  // The whole file in the window (a rotated log, a long window): one probe instead of a search.
  const first = await timeAfter(fh, 0, buf);
  if (first !== null && first >= time) return 0;
  let lo = 0;
  let hi = size;
  while (hi - lo > STOP_SPAN) {
    const mid = Math.floor((lo + hi) / 2);
    const t = await timeAfter(fh, mid, buf);
    if (t === null) break;
    if (t < time) lo = mid;
    else hi = mid;
  }
  if (lo === 0) return 0;
  // Align to the start of the next line: the partial line at `lo` is before the target anyway.
  const { bytesRead } = await fh.read(buf, 0, buf.length, lo);
  const nl = buf.indexOf(0x0a, 0);
  return nl >= 0 && nl < bytesRead ? lo + nl + 1 : lo;
}
