/**
 * Preloaded into the bot under test by slack-ack.ts (`--import`): times each POST /slack/commands
 * inside the front, from Node's `request` event (headers parsed) to the response's `finish` (last
 * byte handed to the kernel), and the front's event-loop delay. Written as JSON to
 * BENCH_FRONT_TIMING_FILE when the process exits, so the benchmark can set what the client sees
 * against what the front itself spends. Only the process that served commands writes the file.
 */
import { writeFileSync } from 'node:fs';
import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** One garbage collection: its kind (Node's perf_hooks NODE_PERFORMANCE_GC_* constants) and its pause. */
export interface GcEntry {
  kind: number;
  ms: number;
}

/** The file's content: each command's time inside the front, in order, warm-up included. */
export interface FrontTimingRecord {
  durations: number[];
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Only those during the measured commands. */
  gcs: GcEntry[];
}

const file = process.env['BENCH_FRONT_TIMING_FILE'];
if (file !== undefined && file !== '') {
  const durations: number[] = [];
  const skip = Number(process.env['BENCH_FRONT_TIMING_SKIP'] ?? 0);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // Garbage collections during the measured bursts: a pause stops the event loop mid-burst.
  const gcs: GcEntry[] = [];
  let measuring = skip === 0;
  new PerformanceObserver((list) => {
    if (!measuring) return;
    for (const e of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>) gcs.push({ kind: e.detail?.kind ?? 0, ms: e.duration });
  }).observe({ entryTypes: ['gc'] });
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      if (req.method === 'POST' && req.url === '/slack/commands') {
        const t0 = performance.now();
        res.once('finish', () => {
          durations.push(performance.now() - t0);
          // The warm-up is not measured: the loop's delay from here on is the measured bursts'.
          if (durations.length === skip) {
            loop.reset();
            measuring = true;
          }
        });
      }
    }
    return (emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
  } as typeof Server.prototype.emit;
  process.once('exit', () => {
    if (durations.length === 0) return;
    loop.disable();
    const record: FrontTimingRecord = { durations, loopP50Ms: loop.percentile(50) / 1e6, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, gcs };
    writeFileSync(file, JSON.stringify(record));
  });
}
