import type { Worker } from 'bullmq';
import type { Config } from '../../config/schema.js';
import { evaluateOnset } from '../../diagnosis/onset/evaluate.js';
import type { RunDeps } from '../../diagnosis/run.js';
import { QueryRecordStore } from '../../incidents/query-records.js';
import type { TimelineStore } from '../../incidents/timeline/timeline-store.js';
import { WatchStore } from '../../incidents/watch/watch-store.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { SlackPoster } from '../diagnose/worker.js';
import type { RedisClient } from '../redis.js';
import { WatchQueue } from './queue.js';
import { startWatchWorker } from './worker.js';
import { startHomeWorker } from './home.js';
import { readStatusLines } from './status.js';
import type { KnownBlock } from '../../delivery/message-limits.js';

export interface WatchStartOptions {
  config: Config;
  run: RunDeps;
  /** A new BullMQ connection for `purpose` (the caller closes it). */
  connect: (purpose: string) => RedisClient;
  /** A plain connection for the watch state. */
  store: RedisClient;
  prefix: string;
  timeline: TimelineStore;
  slack: SlackPoster;
  /** views.publish; without it the Home tab is not drawn. */
  publishHome?: (userId: string, view: { type: 'home'; blocks: KnownBlock[] }) => Promise<void>;
  metrics: Metrics;
  logger: Logger;
}

export interface RunningWatch {
  /** The watch's consumer, and the Home tab's. */
  workers: Worker[];
  clusters: string[];
  close(): Promise<void>;
}

/**
 * The worker side of the watch: every worker process upserts the schedulers of the watched clusters
 * (and removes those of clusters no longer watched), and consumes the ticks. With nothing watched the
 * consumer still runs, idle, so that a tick queued before a config change is drained.
 */
export async function startWatch(o: WatchStartOptions): Promise<RunningWatch> {
  const schedules = new WatchQueue(o.connect('watch-schedules'), o.prefix, (err) => o.logger.debug({ err: err.message }, 'watch schedule connection error'));
  const clusters = await schedules.syncSchedulers(o.config);
  if (clusters.length > 0) o.logger.info({ clusters }, 'watch schedules in place');
  const store = new WatchStore(o.store, o.prefix);
  const worker = startWatchWorker({
    connection: o.connect('watch'),
    prefix: o.prefix,
    stalledSeconds: o.config.jobs.stalledSeconds,
    concurrency: 4,
    run: o.run,
    evaluate: evaluateOnset,
    confirm: (cluster, tick, delayMs) => schedules.confirm(cluster, tick, delayMs),
    store,
    thread: {
      slack: o.slack,
      openAlerts: async (cluster) => (await o.timeline.open(cluster)).length,
      queryRecords: new QueryRecordStore(o.store, { prefix: o.prefix }),
    },
    timeline: o.timeline,
    metrics: o.metrics,
    logger: o.logger,
  });
  const home = o.publishHome === undefined ? undefined : startHomeWorker({
    connection: o.connect('home-tab'),
    prefix: o.prefix,
    stalledSeconds: o.config.jobs.stalledSeconds,
    config: o.config,
    readStatus: (list) => readStatusLines({ config: o.config, store, timeline: o.timeline }, list),
    publish: o.publishHome,
    metrics: o.metrics,
    logger: o.logger,
  });
  return {
    workers: home === undefined ? [worker] : [worker, home],
    clusters,
    async close() {
      await Promise.all([worker.close(), home?.close()]);
      await schedules.close();
    },
  };
}
