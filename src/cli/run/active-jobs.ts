import type { Job, Worker } from 'bullmq';
import type { Logger } from '../../telemetry/logger.js';

/**
 * The jobs this process is running right now, per worker: what a shutdown still waits for (logged when
 * the deadline passes) and what it hands back to the queue when it cannot wait any longer.
 */
export class ActiveJobs {
  private readonly running = new Map<string, { queue: string; job: Job }>();

  track(worker: Worker): void {
    const key = (job: Job): string => `${worker.name}\u0000${job.id ?? ''}`;
    worker.on('active', (job: Job) => this.running.set(key(job), { queue: worker.name, job }));
    worker.on('completed', (job: Job) => this.running.delete(key(job)));
    worker.on('failed', (job: Job | undefined) => {
      if (job !== undefined) this.running.delete(key(job));
    });
  }

  describe(): string[] {
    return [...this.running.values()].map(({ queue, job }) => `${queue} job ${job.id ?? '?'}`).sort();
  }

  /**
   * Moves every running job back to its queue's wait list under its own lock token, so that another
   * worker starts it at once: the same as a lapsed lock, without waiting for the lock to lapse. A job
   * whose lock is already gone (finished meanwhile) is skipped by BullMQ with an error, logged here.
   */
  async handBack(logger: Logger): Promise<void> {
    const jobs = [...this.running.values()];
    this.running.clear();
    await Promise.all(
      jobs.map(async ({ queue, job }) => {
        try {
          await job.moveToWait(job.token);
          logger.warn({ queue, jobId: job.id }, 'job handed back to its queue at the shutdown deadline');
        } catch (err) {
          logger.warn({ queue, jobId: job.id, err: err instanceof Error ? err.message : String(err) }, 'job could not be handed back');
        }
      }),
    );
  }
}
