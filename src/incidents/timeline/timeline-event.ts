import { z } from 'zod';

/**
 * One thing that happened to a cluster, as the handoff later reads it. Every event carries a stable
 * `id`, so a job that is retried after it already appended writes the same event again instead of a
 * second one (readers keep one event per id).
 */

const base = {
  id: z.string().min(1),
  /** When it happened, ISO 8601; also the sort key in Redis. */
  at: z.string(),
  cluster: z.string(),
};

const alertGroupFields = {
  gid: z.string(),
  incarnation: z.number().int(),
  alertnames: z.array(z.string()),
  members: z.array(z.string()),
  severity: z.string().optional(),
  /** Slack channel of the group's thread. */
  channel: z.string(),
  /** When the group's first alert started firing (Alertmanager startsAt), the start of its duration. */
  startsAt: z.string(),
};

export const timelineEventSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('alert-fired'), ...alertGroupFields }),
  z.object({ ...base, kind: z.literal('alert-changed'), ...alertGroupFields, added: z.array(z.string()), resolved: z.array(z.string()) }),
  z.object({ ...base, kind: z.literal('alert-reopened'), ...alertGroupFields }),
  z.object({ ...base, kind: z.literal('alert-resolved'), ...alertGroupFields, resolvedAt: z.string() }),
  z.object({
    ...base,
    kind: z.literal('alert-triaged'),
    ...alertGroupFields,
    headline: z.string(),
    healthy: z.boolean(),
    causes: z.array(z.string()),
    /** Member label values → the names the triage gave those members (pod, node), where they differ. */
    memberNames: z.record(z.string(), z.string()).optional(),
  }),
  z.object({
    ...base,
    kind: z.literal('why-slow'),
    /** Slack user ID of who asked; absent for runs not started by a person. */
    requestedBy: z.string().optional(),
    channel: z.string().optional(),
    parentTs: z.string().optional(),
    windowSeconds: z.number().int(),
    healthy: z.boolean(),
    headline: z.string(),
    /** "playbook/cause" of the top cause, and its members. */
    topCause: z.string().optional(),
    members: z.array(z.string()),
    suggestions: z.array(z.object({ id: z.string(), text: z.string(), command: z.string().optional() })),
  }),
  z.object({
    ...base,
    kind: z.literal('action'),
    /** Slack user ID of who pressed the button. */
    user: z.string(),
    /** What the button does, e.g. `suggestion-done`. */
    action: z.string(),
    /** What it refers to, e.g. the timeline id of a suggestion. */
    ref: z.string(),
    /** Why the click was refused and nothing was done (e.g. `channel-not-allowed`); absent when it acted. */
    refused: z.string().optional(),
  }),
  ...(['watch-opened', 'watch-changed', 'watch-recovered'] as const).map((kind) =>
    z.object({
      ...base,
      kind: z.literal(kind),
      /** The warning (an opaque hash of cluster and onset) and where its thread is. */
      warningId: z.string(),
      channel: z.string(),
      /** Onset of the degradation, ISO 8601. */
      since: z.string(),
      /** "kind@member" of every cause seen so far, first the one it opened with. */
      causes: z.array(z.string()),
      /** The causes' one-line summaries, as the watch saw them. */
      summaries: z.array(z.string()),
      recoveredAt: z.string().optional(),
    }),
  ),
  z.object({
    ...base,
    kind: z.literal('handoff'),
    channel: z.string(),
    sinceMs: z.number(),
    untilMs: z.number(),
    requestedBy: z.string().optional(),
    scheduleId: z.string().optional(),
  }),
]);

export type TimelineEvent = z.infer<typeof timelineEventSchema>;
export type TimelineKind = TimelineEvent['kind'];
export type AlertTimelineEvent = Extract<TimelineEvent, { kind: `alert-${string}` }>;
export type WhySlowEvent = Extract<TimelineEvent, { kind: 'why-slow' }>;
export type ActionEvent = Extract<TimelineEvent, { kind: 'action' }>;
export type WatchTimelineEvent = Extract<TimelineEvent, { kind: `watch-${string}` }>;

export const isWatchEvent = (e: TimelineEvent): e is WatchTimelineEvent => e.kind.startsWith('watch-');

export const isAlertEvent = (e: TimelineEvent): e is AlertTimelineEvent => e.kind.startsWith('alert-');
