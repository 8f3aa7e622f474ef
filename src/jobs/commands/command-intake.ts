import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DiagnosisRequest } from '../../diagnosis/request.js';
import { DiagnoseQueue, type EnqueueResult } from '../diagnose/queue.js';
import type { RedisClient } from '../redis.js';
import type { CommandRecord } from './command-record.js';
import { commandIntakeKeys } from './intake-keys.js';

/**
 * A command not drained after this long no longer holds its deduplication key: the drain is down, and
 * the diagnose queue's own deduplication decides once it is back.
 */
export const PENDING_TTL_MS = 10 * 60 * 1000;

/**
 * One round trip, atomic: the answer to "is an identical diagnosis already queued or running?" and, when
 * not, the durable write of the command. Identical means the diagnose queue's own deduplication entry
 * (written by BullMQ when a job is added; a stale one without expiry whose job is gone does not count,
 * as BullMQ itself recovers such keys) or a command accepted but not drained yet.
 *
 * KEYS: BullMQ's deduplication key, the pending key, the intake stream.
 * ARGV: job id, the record as JSON, the queue's job key prefix, the pending TTL in ms.
 * Returns the id of the job the command joins, or of its own.
 */
const ACCEPT_COMMAND = `
local current = redis.call('GET', KEYS[1])
if current and not (redis.call('PTTL', KEYS[1]) == -1 and redis.call('EXISTS', ARGV[3] .. current) == 0) then
  return current
end
local pending = redis.call('GET', KEYS[2])
if pending then return pending end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
redis.call('XADD', KEYS[3], '*', 'command', ARGV[2])
return ARGV[1]
`;

type AcceptCommand = (dedupeRedisKey: string, pendingKey: string, stream: string, jobId: string, record: string, jobKeyPrefix: string, ttlMs: number) => Promise<string>;

/**
 * The front's producer of `/etcd why-slow` diagnoses: the acknowledgement waits only for the one small
 * script above (no BullMQ job add, with its larger script and encoding, on the answer's path), and the
 * workers move each command into the diagnose queue (command-drain.ts). A command is durable in Redis
 * before its answer, exactly like a job added directly; if Redis fails or is slow the enqueue fails and
 * the user is told nothing was started.
 */
export class CommandIntake {
  private readonly keys: ReturnType<typeof commandIntakeKeys>;
  private readonly accept: AcceptCommand;
  /**
   * Until the connection is first ready, a command waits for it (bounded by the caller's deadline): the
   * front listens as soon as it starts. Afterwards an outage fails at once (the connection does not queue
   * commands while offline), so the user hears of it at once.
   */
  private firstReady: Promise<void> | undefined;

  constructor(
    connection: RedisClient,
    private readonly queue: Pick<DiagnoseQueue, 'dedupeRedisKey' | 'jobKeyPrefix'>,
    prefix: string,
  ) {
    this.keys = commandIntakeKeys(prefix);
    // ioredis sends EVALSHA and falls back to EVAL once per connection when Redis does not know the script.
    if (typeof (connection as Redis & { etcdTriageAcceptCommand?: unknown }).etcdTriageAcceptCommand !== 'function') {
      connection.defineCommand('etcdTriageAcceptCommand', { numberOfKeys: 3, lua: ACCEPT_COMMAND });
    }
    if (connection.status !== 'ready') {
      this.firstReady = new Promise<void>((resolve) => connection.once('ready', () => resolve()));
      void this.firstReady.then(() => {
        this.firstReady = undefined;
      });
    }
    const conn = connection as RedisClient & { etcdTriageAcceptCommand: AcceptCommand };
    this.accept = (...args) => conn.etcdTriageAcceptCommand(...args);
  }

  async enqueue(request: DiagnosisRequest): Promise<EnqueueResult> {
    const jobId = randomUUID();
    const dedupeKey = DiagnoseQueue.dedupeKey(request);
    const record: CommandRecord = { jobId, request, requestedAt: Date.now(), dedupeKey };
    if (this.firstReady !== undefined) await this.firstReady;
    const joined = await this.accept(
      this.queue.dedupeRedisKey(dedupeKey),
      this.keys.pending(dedupeKey),
      this.keys.stream,
      jobId,
      JSON.stringify(record),
      this.queue.jobKeyPrefix,
      PENDING_TTL_MS,
    );
    return { jobId: joined, deduplicated: joined !== jobId };
  }
}
