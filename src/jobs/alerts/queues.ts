import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import { z } from 'zod';
import { DEFAULT_PREFIX } from '../names.js';

/** The alert pipeline's queues: intake (webhook → state), triage (evidence → verdict), delivery (→ Slack). */
export const ALERT_QUEUES = { intake: 'alert-intake', triage: 'alert-triage', delivery: 'delivery-slack' } as const;

export const triageJobSchema = z.object({
  gid: z.string(),
  incarnation: z.number().int(),
  triageId: z.number().int(),
  cluster: z.string(),
  groupKey: z.string(),
  channel: z.string(),
  alertnames: z.array(z.string()),
  members: z.array(z.string()),
});
export type TriageJobData = z.infer<typeof triageJobSchema>;

export const deliveryJobSchema = z.object({ gid: z.string(), incarnation: z.number().int(), version: z.number().int() });
export type DeliveryJobData = z.infer<typeof deliveryJobSchema>;

/**
 * Producers for the follow-up queues. Job ids are derived from the state they act on (group, thread
 * incarnation, version or triage id), so asking twice, e.g. when an intake job is retried after a crash,
 * queues the work once.
 */
export class AlertFollowUps {
  readonly triage: Queue<TriageJobData>;
  readonly delivery: Queue<DeliveryJobData>;

  constructor(connection: RedisClient, prefix = DEFAULT_PREFIX, onError: (err: Error) => void = () => undefined) {
    const keep = { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 7 * 24 * 3600 } };
    this.triage = new Queue<TriageJobData>(ALERT_QUEUES.triage, {
      connection,
      prefix,
      defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, ...keep },
    });
    this.delivery = new Queue<DeliveryJobData>(ALERT_QUEUES.delivery, {
      connection,
      prefix,
      // Slack may be away for a while: keep trying for about half an hour before giving up.
      defaultJobOptions: { attempts: 12, backoff: { type: 'exponential', delay: 500 }, ...keep },
    });
    this.triage.on('error', onError);
    this.delivery.on('error', onError);
  }

  async requestTriage(data: TriageJobData): Promise<void> {
    await this.triage.add('triage', data, { jobId: `${data.gid}-${data.incarnation}-t${data.triageId}` });
  }

  /** `tag` tells apart a second request for the same version (replies added after it, e.g. charts). */
  async requestDelivery(data: DeliveryJobData, tag?: string): Promise<void> {
    await this.delivery.add('thread', data, { jobId: `${data.gid}-${data.incarnation}-v${data.version}${tag === undefined ? '' : `-${tag}`}` });
  }

  async close(): Promise<void> {
    await Promise.all([this.triage.close(), this.delivery.close()]);
  }
}
