import { z } from 'zod';
import { rfc3339Time } from '../../config/rfc3339.js';

/**
 * Alertmanager's webhook body, version 4 (the only version Alertmanager has sent since 0.x). Only what
 * the triage uses is required; unknown fields are ignored so a newer Alertmanager does not break us.
 */
const labelSet = z.record(z.string(), z.string());

/** Times as Alertmanager (Go's time.RFC3339Nano) writes them; nothing Date.parse would guess at. */
const rfc3339 = rfc3339Time;

export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet.refine((l) => typeof l['alertname'] === 'string' && l['alertname'].length > 0, {
    message: 'every alert needs an alertname label',
  }),
  annotations: labelSet.default({}),
  startsAt: rfc3339,
  /** Alertmanager sends 0001-01-01T00:00:00Z for alerts still firing. */
  endsAt: rfc3339,
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1).max(64),
});

/** Everything but the alerts: validated first and once, whatever the number of alerts. */
export const webhookEnvelopeSchema = z.object({
  version: z.literal('4', { error: 'only webhook version "4" is understood' }),
  groupKey: z.string().min(1).max(4096),
  /** Alerts of the group Alertmanager left out (its receiver's max_alerts). */
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(z.unknown()).min(1, 'a notification carries at least one alert'),
});

export const webhookSchema = webhookEnvelopeSchema.extend({
  alerts: z.array(webhookAlertSchema).min(1, 'a notification carries at least one alert'),
});

export type WebhookNotification = z.infer<typeof webhookSchema>;
export type WebhookAlert = z.infer<typeof webhookAlertSchema>;
