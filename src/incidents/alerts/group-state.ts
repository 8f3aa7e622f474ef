import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What the bot remembers about one Alertmanager group (one Slack thread), kept in Redis so that a
 * restart or a second worker sees the same thread. `incarnation` counts threads: a group that fires
 * again long after it resolved gets a new thread, one that fires again soon reopens the old one.
 */
export const alertStateSchema = z.object({
  fingerprint: z.string(),
  alertname: z.string(),
  severity: z.string().optional(),
  /** The member the alert names (instance, or pod), when it names one. */
  member: z.string().optional(),
  status: z.enum(['firing', 'resolved']),
  startsAt: z.string(),
  resolvedAt: z.string().optional(),
  summary: z.string().optional(),
});

export const triageStateSchema = z.object({
  id: z.number().int(),
  state: z.enum(['pending', 'done']),
  alertnames: z.array(z.string()),
  members: z.array(z.string()),
  /** When the notification that asked for it was received (unix ms): the start of the verdict clock. */
  requestedAt: z.number(),
  headline: z.string().optional(),
  healthy: z.boolean().optional(),
  severity: z.string().optional(),
  doneAt: z.string().optional(),
});

export const groupStateSchema = z.object({
  gid: z.string(),
  groupKey: z.string(),
  /** Configured cluster the alerts belong to; null when none matched (fallback channel). */
  cluster: z.string().nullable(),
  channel: z.string(),
  incarnation: z.number().int(),
  status: z.enum(['firing', 'resolved']),
  firstFiringAt: z.string(),
  resolvedAt: z.string().optional(),
  reopened: z.number().int(),
  lastReceivedAt: z.number(),
  groupLabels: z.record(z.string(), z.string()),
  externalURL: z.string(),
  alerts: z.record(z.string(), alertStateSchema),
  /** Alerts of the group the latest notification left out (max_alerts, or the bot's cap); absent when none. */
  truncatedAlerts: z.number().int().min(0).optional(),
  /** Bumped on every change; delivery jobs are named after it so each change is delivered once. */
  version: z.number().int(),
  triageSeq: z.number().int(),
  triage: triageStateSchema.optional(),
  /**
   * Members the alerts name by their member label value (an address), under the names the latest
   * triage's diagnosis gave them (pod, node): the parent message shows those. Only names that differ;
   * kept while a later triage runs.
   */
  memberNames: z.record(z.string(), z.string()).optional(),
  /** The silence set from the thread's Silence button, while it is known to the bot. */
  silence: z
    .object({
      id: z.string(),
      /** Slack user ID of who silenced. */
      by: z.string(),
      endsAt: z.string(),
    })
    .optional(),
});

export type AlertState = z.infer<typeof alertStateSchema>;
export type TriageState = z.infer<typeof triageStateSchema>;
export type GroupState = z.infer<typeof groupStateSchema>;

/** A short stable id for a groupKey: usable in Redis keys and BullMQ job ids (no ':'). */
export function groupId(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex').slice(0, 24);
}

const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];

/** The worst severity among alerts, by the usual label values; unknown values rank last. */
export function worstSeverity(alerts: Iterable<AlertState>): string | undefined {
  let best: string | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const a of alerts) {
    if (a.severity === undefined) continue;
    const i = SEVERITY_ORDER.indexOf(a.severity.toLowerCase());
    const rank = i < 0 ? SEVERITY_ORDER.length : i;
    if (rank < bestRank) {
      best = a.severity;
      bestRank = rank;
    }
  }
  return best;
}

export const firingAlerts = (g: GroupState): AlertState[] => Object.values(g.alerts).filter((a) => a.status === 'firing');
export const uniqueSorted = (xs: Iterable<string | undefined>): string[] =>
  [...new Set([...xs].filter((x): x is string => x !== undefined))].sort();
