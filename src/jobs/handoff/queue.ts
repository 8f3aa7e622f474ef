import { createHash, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { HandoffSchedule } from '../../config/handoff-schema.js';
import type { Config } from '../../config/schema.js';
import { HANDOFF_QUEUE, type HandoffJobData } from './job.js';
import { DEFAULT_PREFIX } from '../names.js';
import { upsertScheduler } from '../scheduler-upsert.js';

export interface HandoffEnqueueResult {
  jobId: string;
  deduplicated: boolean;
}

const SCHEDULER_PREFIX = 'handoff-';

/**
 * The producer side of handoffs: on-demand jobs from `/etcd handoff`, and the job schedulers that
 * post at shift change. A scheduler is keyed by its id in Redis, so every worker process can upsert
 * the same schedules at start-up and BullMQ still makes one job per tick (upsertScheduler copes with a
 * replica's worker holding the tick's job meanwhile).
 */
export class HandoffQueue {
  readonly queue: Queue<HandoffJobData>;

  constructor(connection: RedisClient, prefix: string | undefined, onError: (err: Error) => void) {
    this.queue = new Queue<HandoffJobData>(HANDOFF_QUEUE, {
      connection,
      prefix: prefix ?? DEFAULT_PREFIX,
      defaultJobOptions: {
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 24 * 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on('error', onError);
  }

  /** Two identical requests in the same channel within 30 s share one post. */
  async enqueue(data: HandoffJobData): Promise<HandoffEnqueueResult> {
    const jobId = randomUUID();
    const dedupe = [data.channel, [...data.clusters].sort().join('+'), data.sinceSeconds ?? 'last'].join('|');
    const job = await this.queue.add('on-demand', data, { jobId, deduplication: { id: dedupe, ttl: 30_000 } });
    return { jobId: job.id ?? jobId, deduplicated: job.id !== jobId };
  }

  /** Makes the stored schedulers exactly the configured ones: upserts each, removes those no longer configured. */
  async syncSchedules(config: Config): Promise<string[]> {
    const wanted = new Map(config.handoff.schedules.map((s) => [scheduleId(s), s]));
    for (const [id, s] of wanted) {
      const clusters = s.clusters === 'all' ? Object.keys(config.clusters).sort() : s.clusters;
      await upsertScheduler(this.queue, id, { pattern: s.cron, tz: s.tz }, {
        name: 'scheduled',
        data: { channel: s.channel, clusters, scheduleId: id, ...(s.mention === undefined ? {} : { mention: s.mention }) },
      });
    }
    for (const existing of await this.queue.getJobSchedulers()) {
      if (existing.key.startsWith(SCHEDULER_PREFIX) && !wanted.has(existing.key)) await this.queue.removeJobScheduler(existing.key);
    }
    return [...wanted.keys()];
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** The configured id, else one derived from what defines the schedule (no ':' for BullMQ ids). */
export function scheduleId(s: HandoffSchedule): string {
  if (s.id !== undefined) return `${SCHEDULER_PREFIX}${s.id}`;
  const clusters = s.clusters === 'all' ? 'all' : [...s.clusters].sort().join('+');
  const h = createHash('sha256').update([s.channel, s.cron, s.tz, clusters].join('|')).digest('hex').slice(0, 16);
  return `${SCHEDULER_PREFIX}${h}`;
}
