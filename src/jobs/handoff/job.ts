import { z } from 'zod';

export const HANDOFF_QUEUE = 'handoff';

/**
 * What a handoff job carries. The period is fixed on the first attempt and the Slack progress is
 * written back as it happens, so a retried job summarises the same period and never posts twice.
 */
export const handoffJobSchema = z.object({
  channel: z.string().min(1),
  clusters: z.array(z.string().min(1)).min(1),
  /** Explicit length of the period; absent: since the channel's last handoff, else handoff.defaultSince. */
  sinceSeconds: z.number().int().positive().optional(),
  requestedBy: z.string().optional(),
  /** Slack user group ID of the incoming on-call. */
  mention: z.string().optional(),
  /** Set for jobs made by a schedule. */
  scheduleId: z.string().optional(),
  period: z.object({ sinceMs: z.number(), untilMs: z.number() }).optional(),
  slack: z
    .object({
      parentTs: z.string().optional(),
      repliesPosted: z.number().int().min(0),
      /** Set (unix ms) just before the parent is posted: without parentTs, an attempt may have posted it. */
      parentPostingAt: z.number().optional(),
      /** Trend charts (or their "missing" lines) already in the thread. */
      chartsPosted: z.number().int().min(0).optional(),
      /** Set (unix ms) just before the next chart is uploaded: until chartsPosted passes it, it may be in the thread. */
      chartPostingAt: z.number().optional(),
    })
    .optional(),
});

export type HandoffJobData = z.infer<typeof handoffJobSchema>;
