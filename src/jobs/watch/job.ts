import { z } from 'zod';

export const WATCH_QUEUE = 'watch';

/**
 * One evaluation of one cluster. A scheduler's job carries no tick (it is the scheduler's, in the job
 * id); a confirming evaluation carries its own, between two of the scheduler's.
 */
export const watchJobSchema = z.object({ cluster: z.string().min(1), tick: z.number().int().positive().optional() });
export type WatchJobData = z.infer<typeof watchJobSchema>;

/** Scheduler ids: one per watched cluster (cluster names hold no ':', which BullMQ ids may not). */
export const WATCH_SCHEDULER_PREFIX = 'watch-';
export const watchSchedulerId = (cluster: string): string => `${WATCH_SCHEDULER_PREFIX}${cluster}`;

/**
 * Id of the confirming evaluation after the evaluation of `tick`: one per cluster and tick, so however
 * many workers (or retries) ask for it, BullMQ queues it once.
 */
export const watchConfirmJobId = (cluster: string, tick: number): string => `watch-confirm-${cluster}-${tick}`;
