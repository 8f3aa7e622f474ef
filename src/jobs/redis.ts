import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { keyPrefixFor, parseRedisUrl, type RedisTarget } from '../config/redis-target.js';
import type { Logger } from '../telemetry/logger.js';
import { ReplicaAck } from './replica-ack.js';

/**
 * A connection to the bot's Redis, whichever way it is deployed. Both ioredis classes expose the same
 * commands (MULTI, EVAL, ...) and BullMQ accepts both; a Cluster routes each command to its slot's node.
 */
export type RedisClient = Redis | Cluster;

// Keep reconnecting with a short backoff: Redis restarts and failovers must not need a bot restart.
const retryStrategy = (times: number): number => Math.min(times * 200, 2000);

/**
 * BullMQ wants its own connection per Queue/Worker/QueueEvents, with maxRetriesPerRequest null so a
 * blocking worker survives Redis restarts and failovers instead of failing commands.
 */
export function redisConnection(url: string, purpose: string): RedisClient {
  return connect(parseRedisUrl(url), { maxRetriesPerRequest: null, connectionName: `etcd-triage:${purpose}` }, true, retryStrategy);
}

/**
 * A connection for the HTTP front: fail fast when Redis is down so a webhook can answer 503 at once
 * (Alertmanager retries) instead of hanging until Slack or Alertmanager gives up.
 *
 * Auto-pipelined: the enqueues of all requests handled in one turn of the event loop (a burst of slash
 * commands or webhooks) go to Redis in one write instead of one write each. Each write to Redis wakes
 * it, and on a busy machine the woken Redis can take the front's core mid-burst; profiled under the
 * slash-command benchmark, the time the front spent in those writes fell from a quarter of its busy
 * time to under 5%. Every caller still awaits its own reply, so an answer is still sent only after its
 * enqueue is in Redis.
 */
export function frontConnection(url: string): RedisClient {
  return connect(parseRedisUrl(url), { maxRetriesPerRequest: 1, connectionName: 'etcd-triage:front', autoPipeline: true }, false, retryStrategy);
}

/** For a one-shot CLI command: a few quick reconnects, then commands fail instead of hanging. */
export function cliConnection(url: string, purpose: string): RedisClient {
  const giveUp = (times: number): number | null => (times > 3 ? null : 200);
  return connect(parseRedisUrl(url), { maxRetriesPerRequest: 1, connectionName: `etcd-triage:${purpose}` }, true, giveUp);
}

/** The key prefix for this Redis: hash-tagged in a Cluster, so that every multi-key operation stays in one slot. */
export function redisKeyPrefix(url: string, prefix: string): string {
  return keyPrefixFor(parseRedisUrl(url), prefix);
}

/**
 * With Sentinels the master has a replica that a failover promotes: writes the webhook acknowledges
 * wait for one replica first (REPLICA_ACK). A single server or a Cluster gets none.
 */
export function replicaAck(url: string, conn: RedisClient, logger: Logger): ReplicaAck | undefined {
  if (parseRedisUrl(url).kind !== 'sentinel' || conn instanceof Cluster) return undefined;
  return new ReplicaAck(conn, {
    ...REPLICA_ACK,
    onMissing: (acked, replicas) =>
      logger.warn({ acked, replicas, pauseMs: REPLICA_ACK.pauseMs }, 'no Redis replica acknowledged the write in time; answering without replica acknowledgement for a while'),
  });
}

/**
 * One replica within 500 ms: on a LAN a replica has a write within a millisecond, so only a replica
 * that is down or cut off reaches the timeout; then 10 s without waiting before trying again.
 */
export const REPLICA_ACK = { replicas: 1, timeoutMs: 500, pauseMs: 10_000 } as const;

function connect(
  target: RedisTarget,
  base: { maxRetriesPerRequest: number | null; connectionName: string; autoPipeline?: boolean },
  offlineQueue: boolean,
  retry: (times: number) => number | null,
): RedisClient {
  const { autoPipeline = false, ...named } = base;
  const common: RedisOptions = { ...named, enableOfflineQueue: offlineQueue, retryStrategy: retry, enableAutoPipelining: autoPipeline };
  switch (target.kind) {
    case 'standalone':
      return new Redis(target.url, common);
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: target.sentinels,
        name: target.name,
        db: target.db,
        ...(target.username === undefined ? {} : { username: target.username }),
        ...(target.password === undefined ? {} : { password: target.password }),
        ...(target.sentinelUsername === undefined ? {} : { sentinelUsername: target.sentinelUsername }),
        ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
        // While no master is known (a failover in progress) keep asking the Sentinels, as for a restart.
        sentinelRetryStrategy: retry,
        // No failoverDetector: its disconnect on +switch-master can land while the connection is already
        // reconnecting after the master died, and ioredis then gives the connection up for good
        // ("Connection is closed.", seen with BullMQ workers in the failover test). A dead master closes
        // its sockets, and the reconnect asks the Sentinels for the new one.
      });
    case 'cluster': {
      const options: ClusterOptions = {
        enableOfflineQueue: offlineQueue,
        enableAutoPipelining: autoPipeline,
        clusterRetryStrategy: retry,
        // A failover inside the cluster moves slots: ask again soon rather than failing the command.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        redisOptions: {
          maxRetriesPerRequest: named.maxRetriesPerRequest,
          connectionName: named.connectionName,
          ...(target.username === undefined ? {} : { username: target.username }),
          ...(target.password === undefined ? {} : { password: target.password }),
        },
      };
      return new Cluster(target.nodes, options);
    }
  }
}
