import { z } from 'zod';

/**
 * The history of one group, appended as things happen; enough to tell a later reader (the shift
 * handoff) what fired, when, on which members, what the triage concluded and when it ended.
 */
export const incidentEventSchema = z.object({
  at: z.string(),
  kind: z.enum(['fired', 'changed', 'resolved', 'reopened', 'triaged']),
  gid: z.string(),
  incarnation: z.number().int(),
  cluster: z.string().nullable(),
  alertnames: z.array(z.string()),
  members: z.array(z.string()),
  severity: z.string().optional(),
  added: z.array(z.string()).optional(),
  resolved: z.array(z.string()).optional(),
  verdict: z
    .object({ headline: z.string(), healthy: z.boolean(), causes: z.array(z.string()) })
    .optional(),
  /** On a triage: member label values → the names the diagnosis gives those members, where they differ. */
  memberNames: z.record(z.string(), z.string()).optional(),
});

export type IncidentEvent = z.infer<typeof incidentEventSchema>;
