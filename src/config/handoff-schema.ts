import { z } from 'zod';
import { durationText } from './duration-schema.js';
import { cronProblem } from './cron.js';

/**
 * The `handoff:` section: how long the incident timeline is kept, where silences are read, and the
 * scheduled handoff posts. Everything has a default, so a config without the section still records a
 * timeline and answers `/etcd handoff`.
 */


/** A cron expression: 5 fields (minute precision) or 6 (with seconds first), checked with BullMQ's cron parser. */
const cronText = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    const problem = cronProblem(s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An IANA time zone that this Node knows; an unknown zone would make every tick fire at the wrong hour. */
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Berlin or UTC');

export const handoffScheduleSchema = z.strictObject({
  /** Stable name of the schedule; default derived from channel and cron. Renaming creates a new schedule. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only').optional(),
  /** Channel ID (C0123…) the handoff is posted to. */
  channel: z.string().min(1),
  cron: cronText,
  tz: timeZone.default('UTC'),
  /** Cluster names, or "all" for every configured cluster. */
  clusters: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
  /** Slack user group ID (S0123…) of the incoming on-call, mentioned in the parent message. */
  mention: z.string().regex(/^S[A-Z0-9]+$/, 'must be a Slack user group ID such as S0123ABCD').optional(),
});

export const handoffSchema = z.strictObject({
  /** Timeline events older than this are dropped; also the furthest back `since` may reach. */
  retentionDays: z.number().int().min(1).max(365).default(30),
  /** Upper bound on events kept per cluster, oldest dropped first: bounded memory under alert storms. */
  maxEventsPerCluster: z.number().int().min(100).max(1_000_000).default(50_000),
  /** Period of a handoff when no earlier handoff was posted in the channel. */
  defaultSince: durationText.default('12h'),
  /** Watch item when the database would reach its quota within this many days at the shift's growth. */
  quotaWatchDays: z.number().int().min(1).max(365).default(7),
  /** Alertmanager API base URL (GET /api/v2/silences) for clusters that name none of their own. */
  alertmanagerApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Incidents listed per cluster in the thread; the rest are counted. */
  maxIncidentsListed: z.number().int().min(1).max(100).default(15),
  schedules: z.array(handoffScheduleSchema).default([]),
});

export type HandoffConfig = z.infer<typeof handoffSchema>;
export type HandoffSchedule = z.infer<typeof handoffScheduleSchema>;

export const HANDOFF_DEFAULTS: HandoffConfig = handoffSchema.parse({});
