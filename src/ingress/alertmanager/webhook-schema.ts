import { z } from 'zod';

/**
 * Alertmanager's webhook body, version 4 (the only version Alertmanager has sent since 0.x). Only what
 * the triage uses is required; unknown fields are ignored so a newer Alertmanager does not break us.
 */
const labelSet = z.record(z.string(), z.string());

export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet.refine((l) => typeof l['alertname'] === 'string' && l['alertname'].length > 0, {
    message: 'every alert needs an alertname label',
  }),
  annotations: labelSet.default({}),
  startsAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time'),
  /** Alertmanager sends 0001-01-01T00:00:00Z for alerts still firing. */
  endsAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time'),
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1).max(64),
});

export const webhookSchema = z.object({
  version: z.literal('4', { error: 'only webhook version "4" is understood' }),
  groupKey: z.string().min(1).max(4096),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(webhookAlertSchema).min(1, 'a notification carries at least one alert'),
});

export type WebhookNotification = z.infer<typeof webhookSchema>;
export type WebhookAlert = z.infer<typeof webhookAlertSchema>;
