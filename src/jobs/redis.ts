import { Redis } from 'ioredis';

/**
 * BullMQ wants its own connection per Queue/Worker/QueueEvents, with maxRetriesPerRequest null so a
 * blocking worker survives Redis restarts instead of failing commands.
 */
export function redisConnection(url: string, purpose: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: `etcd-triage:${purpose}`,
    // Keep reconnecting with a short backoff: Redis restarts must not need a bot restart.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/**
 * A connection for the HTTP front: fail fast when Redis is down so a webhook can answer 503 at once
 * (Alertmanager retries) instead of hanging until Slack or Alertmanager gives up.
 */
export function frontConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectionName: 'etcd-triage:front',
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
