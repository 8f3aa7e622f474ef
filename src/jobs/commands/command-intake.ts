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
 * One round trip, atomic, for a batch of commands, each in turn: the answer to "is an identical diagnosis
 * already queued or running?" and, when not, the durable write of the command. Identical means the
 * diagnose queue's own deduplication entry (written by BullMQ when a job is added; a stale one without
 * expiry whose job is gone does not count, as BullMQ itself recovers such keys) or a command accepted but
 * not drained yet, including one earlier in the same batch.
 *
 * KEYS: the intake stream, then per command BullMQ's deduplication key and the pending key.
 * ARGV: the queue's job key prefix, the pending TTL in ms, then per command its job id and record (JSON).
 * Returns, per command, the id of the job it joins, or of its own.
 */
const ACCEPT_COMMANDS = `
local out = {}
for i = 1, (#KEYS - 1) / 2 do
  local dedupe, pendingKey = KEYS[2 * i], KEYS[2 * i + 1]
  local id, record = ARGV[2 * i + 1], ARGV[2 * i + 2]
  local current = redis.call('GET', dedupe)
  if current and not (redis.call('PTTL', dedupe) == -1 and redis.call('EXISTS', ARGV[1] .. current) == 0) then
    out[i] = current
  else
    local pending = redis.call('GET', pendingKey)
    if pending then
      out[i] = pending
    else
      redis.call('SET', pendingKey, id, 'PX', ARGV[2])
      redis.call('XADD', KEYS[1], '*', 'command', record)
      out[i] = id
    end
  end
end
return out
`;

/** (number of keys, ...keys, ...args), as ioredis passes them to a command defined without a fixed key count. */
type AcceptCommands = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<string[]>;

/**
 * Commands arriving together go to Redis together: a burst's commands are parsed in one turn of the
 * event loop and accepted by one script call per this many, instead of one call (and its encoding,
 * write and reply) each. Small enough that the first of a burst is not kept waiting for the whole burst.
 */
const ACCEPT_BATCH = 16;

interface Waiting {
  jobId: string;
  dedupeRedisKey: string;
  pendingKey: string;
  record: string;
  resolve: (joined: string) => void;
  reject: (err: unknown) => void;
}

/**
 * The front's producer of `/etcd why-slow` diagnoses: the acknowledgement waits only for the one small
 * script above (no BullMQ job add, with its larger script and encoding, on the answer's path), and the
 * workers move each command into the diagnose queue (command-drain.ts). A command is durable in Redis
 * before its answer, exactly like a job added directly; if Redis fails or is slow the enqueue fails and
 * the user is told nothing was started.
 */
export class CommandIntake {
  private readonly keys: ReturnType<typeof commandIntakeKeys>;
  private readonly accept: AcceptCommands;
  /** Commands of this turn of the event loop not sent yet. */
  private waiting: Waiting[] = [];
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
    if (typeof (connection as Redis & { etcdTriageAcceptCommands?: unknown }).etcdTriageAcceptCommands !== 'function') {
      connection.defineCommand('etcdTriageAcceptCommands', { lua: ACCEPT_COMMANDS });
    }
    if (connection.status !== 'ready') {
      this.firstReady = new Promise<void>((resolve) => connection.once('ready', () => resolve()));
      void this.firstReady.then(() => {
        this.firstReady = undefined;
      });
    }
    const conn = connection as RedisClient & { etcdTriageAcceptCommands: AcceptCommands };
    this.accept = (...args) => conn.etcdTriageAcceptCommands(...args);
  }

  async enqueue(request: DiagnosisRequest): Promise<EnqueueResult> {
    const jobId = randomUUID();
    const dedupeKey = DiagnoseQueue.dedupeKey(request);
    const record: CommandRecord = { jobId, request, requestedAt: Date.now(), dedupeKey };
    if (this.firstReady !== undefined) await this.firstReady;
    const joined = await new Promise<string>((resolve, reject) => {
      this.waiting.push({ jobId, dedupeRedisKey: this.queue.dedupeRedisKey(dedupeKey), pendingKey: this.keys.pending(dedupeKey), record: JSON.stringify(record), resolve, reject });
      if (this.waiting.length >= ACCEPT_BATCH) this.send();
      else if (this.waiting.length === 1) setImmediate(() => this.send());
    });
    return { jobId: joined, deduplicated: joined !== jobId };
  }

  /** Sends the waiting commands in one script call; each gets its own answer, or the call's failure. */
  private send(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    const keys = [this.keys.stream, ...batch.flatMap((w) => [w.dedupeRedisKey, w.pendingKey])];
    const args = [this.queue.jobKeyPrefix, PENDING_TTL_MS, ...batch.flatMap((w) => [w.jobId, w.record])];
    this.accept(keys.length, ...keys, ...args).then(
      (joined) => batch.forEach((w, i) => (typeof joined[i] === 'string' ? w.resolve(joined[i]) : w.reject(new Error('the intake script gave no answer for a command')))),
      (err: unknown) => batch.forEach((w) => w.reject(err)),
    );
  }
}
