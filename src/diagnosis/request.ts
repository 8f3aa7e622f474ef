import { z } from 'zod';

/**
 * What a trigger asks for, after validation: the cluster name is one from the config, the window is
 * already parsed and bounded. Everything downstream trusts these values.
 */
export const originSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('slack-command'),
    channelId: z.string(),
    userId: z.string(),
    /** Set when a button in a thread asked: the answer goes into that thread instead of a new one. */
    threadTs: z.string().optional(),
    // Jobs queued by earlier versions carry Slack's response_url, which nothing reads any more:
    // accepted and dropped, so that such a job still runs after an upgrade instead of failing to parse.
    responseUrl: z.unknown().transform(() => undefined).optional(),
  }),
  z.strictObject({ kind: z.literal('cli') }),
  z.strictObject({ kind: z.literal('alert'), groupKey: z.string(), channelId: z.string() }),
  z.strictObject({ kind: z.literal('schedule'), channelId: z.string() }),
  /** The watch saw a degradation arrive and asked for the full diagnosis of its warning. */
  z.strictObject({ kind: z.literal('watch'), warningId: z.string(), channelId: z.string() }),
]);

export const diagnosisRequestSchema = z.strictObject({
  cluster: z.string(),
  /** Length of the window looked at, ending at `endTime` (or now). */
  windowSeconds: z.number().int().positive(),
  /** End of the window, ISO 8601; absent means "now" at the time evidence is collected. */
  endTime: z.string().optional(),
  /** Playbook ids to run; absent means all. */
  focus: z.array(z.string()).optional(),
  /** Members (member label values) to highlight, e.g. the instance named by an alert. */
  highlightMembers: z.array(z.string()).optional(),
  origin: originSchema,
});

export type DiagnosisRequest = z.infer<typeof diagnosisRequestSchema>;
export type Origin = z.infer<typeof originSchema>;
