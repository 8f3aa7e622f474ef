import type { Worker } from 'bullmq';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

/**
 * The same accounting for every queue's worker: jobs by outcome (a failure that BullMQ will try again
 * counts as retried, only the last attempt as failed), failures logged with the job id, and worker
 * errors (Redis outages) logged instead of becoming unhandled events.
 */
export function instrumentWorker<W extends Worker>(worker: W, queue: string, metrics: Metrics, log: Logger): W {
  worker.on('completed', () => metrics.jobs.inc({ queue, outcome: 'completed' }));
  worker.on('failed', (job, err) => {
    const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true;
    metrics.jobs.inc({ queue, outcome: final ? 'failed' : 'retried' });
    log.warn({ jobId: job?.id, err: err.message, final }, `${queue} job failed`);
  });
  worker.on('error', (err) => log.error({ err: err.message }, `${queue} worker error`));
  return worker;
}
