import { z } from 'zod';
import { diagnosisRequestSchema } from '../../diagnosis/request.js';

/** One accepted `/etcd why-slow`, as the front writes it to the intake stream and the drain reads it back. */
export const commandRecordSchema = z.object({
  jobId: z.string().min(1),
  request: diagnosisRequestSchema,
  /** Unix ms when the front accepted it: the job's request time, whenever it is drained. */
  requestedAt: z.number(),
  /** The deduplication key the front held for it (`pending`), released once the job is queued. */
  dedupeKey: z.string().min(1),
});

export type CommandRecord = z.infer<typeof commandRecordSchema>;
