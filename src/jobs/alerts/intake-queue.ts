import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { Notification } from '../../incidents/alerts/notification.js';
import { ALERT_QUEUES } from './queues.js';
import { DEFAULT_PREFIX } from '../names.js';
import type { ReplicaAck } from '../replica-ack.js';

/** What the webhook needs: put one notification durably in Redis, or throw. */
export interface AlertIntake {
  enqueue(n: NotificationInput, receivedAt: number): Promise<void>;
}

/** The webhook's parsed body (extra fields are ignored), before the receipt time is attached. */
export type NotificationInput = Omit<Notification, 'receivedAt'>;

/**
 * The producer side of alert intake, used by the HTTP front. One job per notification; BullMQ's add
 * returns once Redis has the job, which is what lets the webhook answer 2xx.
 */
export class AlertIntakeQueue implements AlertIntake {
  readonly queue: Queue<Notification>;

  /**
   * `replicaAck`: when Redis has replicas (Sentinel), the notification must reach one before the 2xx,
   * or a failover right after the answer could lose it; it waits on this queue's own connection.
   */
  constructor(
    connection: RedisClient,
    prefix = DEFAULT_PREFIX,
    onError: (err: Error) => void = () => undefined,
    private readonly replicaAck?: Pick<ReplicaAck, 'afterWrite'>,
  ) {
    this.queue = new Queue<Notification>(ALERT_QUEUES.intake, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 10,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    // Connection errors surface as a 503 from enqueue(); the listener keeps BullMQ from printing them.
    this.queue.on('error', onError);
  }

  async enqueue(n: NotificationInput, receivedAt: number): Promise<void> {
    const data: Notification = {
      groupKey: n.groupKey,
      status: n.status,
      groupLabels: n.groupLabels,
      commonLabels: n.commonLabels,
      externalURL: n.externalURL,
      truncatedAlerts: n.truncatedAlerts,
      alerts: n.alerts.map((a) => ({
        fingerprint: a.fingerprint,
        status: a.status,
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.startsAt,
        endsAt: a.endsAt,
        generatorURL: a.generatorURL,
      })),
      receivedAt,
    };
    await this.queue.add('notification', data);
    // A failure here (the master died between the two) is a 503 and Alertmanager re-sends: a second
    // copy of a notification changes nothing, a lost one would.
    await this.replicaAck?.afterWrite();
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
