import { z } from 'zod';

/**
 * One Alertmanager notification as the incident side keeps it: the group's key and full current state
 * (Alertmanager sends every alert of the group each time), plus when the bot received it.
 */
export const notificationAlertSchema = z.object({
  fingerprint: z.string(),
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  generatorURL: z.string(),
});

export const notificationSchema = z.object({
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  groupLabels: z.record(z.string(), z.string()),
  commonLabels: z.record(z.string(), z.string()),
  externalURL: z.string(),
  truncatedAlerts: z.number().int(),
  alerts: z.array(notificationAlertSchema),
  /** Unix ms when the webhook received it; orders notifications of one group. */
  receivedAt: z.number(),
});

export type Notification = z.infer<typeof notificationSchema>;
export type NotificationAlert = z.infer<typeof notificationAlertSchema>;
