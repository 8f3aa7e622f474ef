import type { WorkerOptions } from 'bullmq';
import type { RedisClient } from './redis.js';
import { DEFAULT_PREFIX } from './names.js';

/** BullMQ's own default for both the job lock and the stalled-job check. */
export const DEFAULT_STALLED_SECONDS = 30;

/** What every queue consumer of the bot is started with. */
export interface QueueWorkerBase {
  connection: RedisClient;
  prefix?: string;
  /**
   * `jobs.stalledSeconds`: how long a running job's lock lasts without renewal, and how often a worker
   * looks for jobs whose lock ran out. A worker killed mid-job (OOM, node lost) has its jobs taken over
   * by another within one to two of these. Shorter means faster take-over, but a job whose process blocks
   * its event loop for longer than this is taken over while it still runs.
   */
  stalledSeconds?: number;
}

/** The BullMQ worker options shared by every consumer: connection, key prefix, lock and stalled check. */
export function workerOptions(o: QueueWorkerBase, concurrency: number): WorkerOptions {
  const ms = (o.stalledSeconds ?? DEFAULT_STALLED_SECONDS) * 1000;
  return { connection: o.connection, prefix: o.prefix ?? DEFAULT_PREFIX, concurrency, lockDuration: ms, stalledInterval: ms };
}
