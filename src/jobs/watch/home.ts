import { Queue, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import { homeView } from '../../report/status/status-home.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { instrumentWorker } from '../instrument-worker.js';
import { DEFAULT_PREFIX } from '../names.js';
import { workerOptions, type QueueWorkerBase } from '../worker-options.js';
import type { RedisClient } from '../redis.js';
import type { KnownBlock } from '../../delivery/message-limits.js';

export const HOME_QUEUE = 'home-tab';
/** The clusters are decided by the front (access rules, user groups) when the tab is opened. */
const homeJobSchema = z.object({ userId: z.string().min(1), clusters: z.array(z.string()) });
type HomeJobData = z.infer<typeof homeJobSchema>;

/** The front's side: one job per user opening the tab; opening it again within seconds shares the job. */
export class HomeQueue {
  readonly queue: Queue<HomeJobData>;

  constructor(connection: RedisClient, prefix: string | undefined, onError: (err: Error) => void) {
    this.queue = new Queue<HomeJobData>(HOME_QUEUE, {
      connection,
      prefix: prefix ?? DEFAULT_PREFIX,
      defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 600, count: 1000 }, removeOnFail: { age: 24 * 3600 } },
    });
    this.queue.on('error', onError);
  }

  async enqueue(userId: string, clusters: string[]): Promise<void> {
    await this.queue.add('publish', { userId, clusters }, { deduplication: { id: userId, ttl: 5000 } });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export interface HomeWorkerOptions extends QueueWorkerBase {
  config: Config;
  readStatus: (clusters: string[]) => Promise<string[]>;
  publish: (userId: string, view: { type: 'home'; blocks: KnownBlock[] }) => Promise<void>;
  metrics: Metrics;
  logger: Logger;
}

/** Draws and publishes a user's Home tab from the watch state in Redis (never Prometheus). */
export function startHomeWorker(opts: HomeWorkerOptions): Worker<HomeJobData> {
  const log = opts.logger.child({ component: 'home-tab' });
  const worker = new Worker<HomeJobData>(
    HOME_QUEUE,
    async (job: Job<HomeJobData>) => {
      const { userId, clusters: asked } = homeJobSchema.parse(job.data);
      // Clusters removed from the config since the tab was opened are left out.
      const clusters = asked.filter((c) => Object.hasOwn(opts.config.clusters, c));
      await opts.publish(userId, homeView(await opts.readStatus(clusters), new Date()));
      log.debug({ clusters: clusters.length }, 'home tab published');
    },
    workerOptions(opts, 4),
  );
  return instrumentWorker(worker, HOME_QUEUE, opts.metrics, log);
}
