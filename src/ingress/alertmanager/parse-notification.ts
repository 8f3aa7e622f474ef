import type { z } from 'zod';
import { webhookAlertSchema, webhookEnvelopeSchema, type WebhookAlert, type WebhookNotification } from './webhook-schema.js';

export type NotificationParse =
  | {
      ok: true;
      /** `truncatedAlerts` counts every alert left out: by Alertmanager and by the cap here. */
      notification: WebhookNotification;
      /** Alerts over the cap, left out here (already included in notification.truncatedAlerts). */
      capped: number;
    }
  | { ok: false; detail: string };

const MAX_ISSUES = 5;
const MAX_SEGMENT = 40;
const MAX_DETAIL = 600;

/**
 * A parsed JSON body → an Alertmanager notification of at most `maxAlerts` alerts, or the reason it is
 * not one. The cost is bounded by `maxAlerts`, not by the body: alerts over the cap are counted before
 * any of them is validated and added to `truncatedAlerts`, exactly as Alertmanager's own `max_alerts`
 * does, so the group state never takes a shortened list for a complete one. The envelope is validated
 * once, then the alerts one by one up to the first bad one, so a body of thousands of broken alerts costs
 * one failure, not thousands of collected issues. Never throws; the reason is bounded in length whatever
 * the input (label names from the body appear in issue paths).
 */
export function parseNotification(json: unknown, maxAlerts: number): NotificationParse {
  let input = json;
  let capped = 0;
  if (isRecord(json) && Array.isArray(json['alerts']) && json['alerts'].length > maxAlerts) {
    capped = json['alerts'].length - maxAlerts;
    input = { ...json, alerts: json['alerts'].slice(0, maxAlerts) };
  }
  const issues: z.core.$ZodIssue[] = [];
  const envelope = webhookEnvelopeSchema.safeParse(input);
  if (!envelope.success) issues.push(...envelope.error.issues);

  const rawAlerts = isRecord(input) && Array.isArray(input['alerts']) ? (input['alerts'] as unknown[]) : [];
  const alerts: WebhookAlert[] = [];
  for (let i = 0; i < rawAlerts.length; i++) {
    const a = webhookAlertSchema.safeParse(rawAlerts[i]);
    if (!a.success) {
      issues.push(...a.error.issues.map((issue) => ({ ...issue, path: ['alerts', i, ...issue.path] })));
      break;
    }
    alerts.push(a.data);
  }
  if (!envelope.success || issues.length > 0) return { ok: false, detail: describeIssues(issues) };
  const notification: WebhookNotification = { ...envelope.data, alerts, truncatedAlerts: envelope.data.truncatedAlerts + capped };
  return { ok: true, notification, capped };
}

/** "alerts.0.labels: every alert needs an alertname label; version: …", short enough for a log line. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const text = issues
    .slice(0, MAX_ISSUES)
    .map((i) => `${i.path.length > 0 ? i.path.map(segment).join('.') : '(body)'}: ${i.message}`)
    .join('; ');
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
  return clip(text, MAX_DETAIL) + more;
}

/** Path segments can be label names taken from the body: cut, so a 1 MB key cannot make a 1 MB answer. */
function segment(p: PropertyKey): string {
  return clip(typeof p === 'symbol' ? p.toString() : String(p), MAX_SEGMENT);
}

/** Cut at a code point boundary (never half a surrogate pair). */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
