import type { Job } from 'bullmq';

/**
 * The tick a scheduler's job stands for. BullMQ names each scheduled job `repeat:<scheduler>:<millis>`
 * (the tick), which survives storage; `opts.prevMillis` is not always kept with the stored job.
 */
export function tickOf(job: Pick<Job, 'id' | 'opts' | 'timestamp'>): number {
  const fromId = /^repeat:.+:(\d+)$/.exec(job.id ?? '')?.[1];
  if (fromId !== undefined) return Number(fromId);
  return job.opts.prevMillis ?? job.timestamp;
}
