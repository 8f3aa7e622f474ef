import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { Config } from '../../config/schema.js';
import { watchedClusters, watchSettings } from '../../config/watch-settings.js';
import { DEFAULT_PREFIX } from '../names.js';
import { upsertScheduler } from '../scheduler-upsert.js';
import { WATCH_QUEUE, WATCH_SCHEDULER_PREFIX, watchConfirmJobId, watchSchedulerId, type WatchJobData } from './job.js';

/**
 * The watch's schedule: one BullMQ job scheduler per watched cluster, keyed by the cluster, so every
 * worker process can upsert the same ones at start and BullMQ still makes one job per tick, however
 * many workers run.
 */
export class WatchQueue {
  readonly queue: Queue<WatchJobData>;

  constructor(connection: RedisClient, prefix: string | undefined, onError: (err: Error) => void) {
    this.queue = new Queue<WatchJobData>(WATCH_QUEUE, {
      connection,
      prefix: prefix ?? DEFAULT_PREFIX,
      defaultJobOptions: {
        // A retry evaluates the same tick again; the state applies it once (see watch-transition.ts).
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 24 * 3600, count: 1000 },
      },
    });
    this.queue.on('error', onError);
  }

  /** Makes the stored schedulers exactly the watched clusters: upserts each, removes the others. */
  async syncSchedulers(config: Config): Promise<string[]> {
    const watched = watchedClusters(config);
    const wanted = new Set(watched.map(watchSchedulerId));
    for (const cluster of watched) {
      await upsertScheduler(this.queue, watchSchedulerId(cluster), { every: watchSettings(config, cluster).intervalSeconds * 1000 }, {
        name: 'evaluate',
        data: { cluster },
      });
    }
    for (const existing of await this.queue.getJobSchedulers()) {
      if (existing.key.startsWith(WATCH_SCHEDULER_PREFIX) && !wanted.has(existing.key)) await this.queue.removeJobScheduler(existing.key);
    }
    return watched;
  }

  /**
   * Queues the confirming evaluation of `cluster` `delayMs` after the evaluation of `tick` (idempotent:
   * the job id is the cluster and the tick it follows).
   */
  async confirm(cluster: string, tick: number, delayMs: number): Promise<void> {
    await this.queue.add('evaluate', { cluster, tick: tick + delayMs }, { jobId: watchConfirmJobId(cluster, tick), delay: Math.max(0, tick + delayMs - Date.now()) });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
