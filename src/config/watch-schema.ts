import { z } from 'zod';
import { durationText } from './duration-schema.js';

/**
 * The `watch:` section (global, and per cluster as an override): a cheap evaluation of each watched
 * cluster every interval, and a warning thread when a degradation holds for a few evaluations in a row,
 * before any alert fires. Off unless enabled.
 */


/** Consecutive evaluations that see a cause arriving before a warning opens. */
const openAfter = z.number().int().min(1).max(20);
/** Consecutive evaluations that see nothing before an open warning is called recovered. */
const recoverAfter = z.number().int().min(1).max(120);
/**
 * Seconds after an evaluation that first sees a cause arriving until one extra, confirming evaluation
 * (0: none, wait for the next interval). Without it a warning opens only `openAfter` full intervals
 * after the first sighting; with it the second sighting comes this much later. Used only while shorter
 * than the interval.
 */
const confirmAfterSeconds = z.number().int().min(0).max(3600);

export const watchHysteresisSchema = z.strictObject({
  openAfter: openAfter.default(2),
  recoverAfter: recoverAfter.default(4),
  confirmAfterSeconds: confirmAfterSeconds.default(10),
});

export const watchSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Seconds between evaluations of one cluster. */
  intervalSeconds: z.number().int().min(5, 'must be at least 5 (seconds)').max(3600, 'must be at most 3600 (seconds)').default(30),
  /** Channel ID of the warning threads; default the cluster's alerts.channel, else its first slack channel. */
  channel: z.string().min(1).optional(),
  hysteresis: watchHysteresisSchema.default({ openAfter: 2, recoverAfter: 4, confirmAfterSeconds: 10 }),
  /** How long a recovered warning (and the last evaluations) stay in Redis, for status and handoffs. */
  rememberFor: durationText.default('1d'),
});

/** Per cluster, every field is optional: what is set replaces the global `watch:` value. */
export const clusterWatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  intervalSeconds: watchSchema.shape.intervalSeconds.unwrap().optional(),
  channel: z.string().min(1).optional(),
  // Without defaults: a field left out here comes from the global section, not from the built-in default.
  hysteresis: z
    .strictObject({ openAfter: openAfter.optional(), recoverAfter: recoverAfter.optional(), confirmAfterSeconds: confirmAfterSeconds.optional() })
    .optional(),
  rememberFor: durationText.optional(),
});

export type WatchConfig = z.infer<typeof watchSchema>;
export type ClusterWatchConfig = z.infer<typeof clusterWatchSchema>;

export const WATCH_DEFAULTS: WatchConfig = watchSchema.parse({});
