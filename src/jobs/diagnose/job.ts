import { z } from 'zod';
import { diagnosisRequestSchema } from '../../diagnosis/request.js';

/**
 * What a diagnose job carries. The Slack timestamps are written back into the job as soon as a message
 * exists, so a retried or restarted job edits its message instead of posting a second one.
 */
export const diagnoseJobSchema = z.object({
  request: diagnosisRequestSchema,
  requestedAt: z.number(),
  slack: z
    .object({
      channel: z.string(),
      /** Answer inside this existing thread (a Re-run or Widen button): the "parent" is then a reply in it. */
      threadTs: z.string().optional(),
      parentTs: z.string().optional(),
      replyTs: z.string().optional(),
      /** Set (unix ms) just before the parent is posted: without parentTs, an attempt may have posted it. */
      parentPostingAt: z.number().optional(),
      /** Charts (or their "missing" lines) already in the thread: a retry posts only the rest. */
      chartsPosted: z.number().int().nonnegative().optional(),
      /** Set (unix ms) just before the next chart is uploaded: until chartsPosted passes it, it may be in the thread. */
      chartPostingAt: z.number().optional(),
      /** Set (unix ms) just before the details reply is posted: without replyTs, an attempt may have posted it. */
      replyPostingAt: z.number().optional(),
    })
    .optional(),
});

export type DiagnoseJobData = z.infer<typeof diagnoseJobSchema>;
