import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { DiagnosisRequest } from '../../diagnosis/request.js';
import type { DiagnoseJobData } from './job.js';
import { DEFAULT_PREFIX, QUEUES } from '../names.js';

export interface EnqueueResult {
  jobId: string;
  /** True when an identical request was already queued or running and this one joined it. */
  deduplicated: boolean;
}

export interface DiagnoseQueueOptions {
  connection: RedisClient;
  prefix?: string;
  /** Identical requests within this many seconds share one job. */
  dedupeSeconds: number;
  attempts: number;
}

/** The producer side: used by the HTTP front, which must only validate, enqueue and answer. */
export class DiagnoseQueue {
  readonly queue: Queue<DiagnoseJobData>;

  constructor(private readonly opts: DiagnoseQueueOptions) {
    this.queue = new Queue<DiagnoseJobData>(QUEUES.diagnose, {
      connection: opts.connection,
      prefix: opts.prefix ?? DEFAULT_PREFIX,
      defaultJobOptions: {
        attempts: opts.attempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 24 * 3600 },
      },
    });
  }

  /** Same cluster, window, focus and destination → same key. BullMQ job ids may not contain ':'. */
  static dedupeKey(req: DiagnosisRequest): string {
    let where = 'channelId' in req.origin ? req.origin.channelId : req.origin.kind;
    // A button pressed in a thread answers in that thread: the same request from two threads is two jobs.
    if (req.origin.kind === 'slack-command' && req.origin.threadTs !== undefined) where += `@${req.origin.threadTs}`;
    const focus = req.focus ? [...req.focus].sort().join('+') : 'all';
    return [req.cluster, req.windowSeconds, focus, where].join('|');
  }

  /**
   * `as`: the job id and request time given by an earlier step (the command intake, which has already
   * answered the user with that id); adding the same id again is a no-op, so a retried drain adds once.
   */
  async enqueue(request: DiagnosisRequest, as?: { jobId: string; requestedAt: number }): Promise<EnqueueResult> {
    const jobId = as?.jobId ?? randomUUID();
    const data: DiagnoseJobData = {
      request,
      requestedAt: as?.requestedAt ?? Date.now(),
      ...('channelId' in request.origin ? { slack: { channel: request.origin.channelId, ...threadOf(request) } } : {}),
    };
    const job = await this.queue.add('why-slow', data, {
      jobId,
      deduplication: { id: DiagnoseQueue.dedupeKey(request), ttl: this.opts.dedupeSeconds * 1000 },
    });
    // On a duplicate BullMQ returns the job already queued under the deduplication id.
    return { jobId: job.id ?? jobId, deduplicated: job.id !== jobId };
  }

  /** Where BullMQ keeps the deduplication entry of `key` (Queue.getDeduplicationJobId reads the same). */
  dedupeRedisKey(key: string): string {
    return `${this.queue.toKey('de')}:${key}`;
  }

  /** The prefix of this queue's job keys: a job's hash is this followed by its id. */
  get jobKeyPrefix(): string {
    return this.queue.toKey('');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

const threadOf = (req: DiagnosisRequest): { threadTs?: string } =>
  req.origin.kind === 'slack-command' && req.origin.threadTs !== undefined ? { threadTs: req.origin.threadTs } : {};
