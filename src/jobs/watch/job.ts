import { z } from 'zod';

export const WATCH_QUEUE = 'watch';

/** One evaluation of one cluster; the tick is the scheduler's (job.opts.prevMillis). */
export const watchJobSchema = z.object({ cluster: z.string().min(1) });
export type WatchJobData = z.infer<typeof watchJobSchema>;

/** Scheduler ids: one per watched cluster (cluster names hold no ':', which BullMQ ids may not). */
export const WATCH_SCHEDULER_PREFIX = 'watch-';
export const watchSchedulerId = (cluster: string): string => `${WATCH_SCHEDULER_PREFIX}${cluster}`;
