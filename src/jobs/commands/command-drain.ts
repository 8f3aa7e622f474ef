import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../telemetry/logger.js';
import type { DiagnoseQueue } from '../diagnose/queue.js';
import type { RedisClient } from '../redis.js';
import { commandRecordSchema } from './command-record.js';
import { commandIntakeKeys } from './intake-keys.js';

export interface CommandDrainOptions {
  /** A connection of its own: the drain blocks on it waiting for commands. */
  connection: RedisClient;
  /** Where drained commands become diagnose jobs (its own, non-blocking connection). */
  queue: Pick<DiagnoseQueue, 'enqueue'>;
  prefix: string;
  logger: Logger;
  /** A command taken by a drain that then died is taken over after this long; default 30 s. */
  claimIdleMs?: number;
  /** How long one read waits for new commands, which also bounds stop(); default 1 s. */
  blockMs?: number;
}

export interface CommandDrain {
  /**
   * Stops reading at once; resolves when a batch being moved is finished (not waiting out a blocked
   * read: a shutdown goes on to close the job consumers without delay).
   */
  stop(): Promise<void>;
}

type StreamEntry = [id: string, fields: string[]];

/** ioredis reply of XREADGROUP: per stream, its name and entries; null when the read timed out. */
type ReadReply = Array<[stream: string, entries: StreamEntry[]]> | null;

const BATCH = 100;

/**
 * The worker side of the command intake: moves each accepted `/etcd why-slow` from the intake stream into
 * the diagnose queue under the job id the user was answered with, then releases its pending key and
 * removes it from the stream. Every worker process runs one, in one consumer group, so each command is
 * moved by one of them; a command taken by a worker that died before finishing is taken over by another
 * after claimIdleMs. Moving is idempotent (a job id that exists already is not added again), so a
 * command is never lost and never queued twice.
 */
export function startCommandDrain(opts: CommandDrainOptions): CommandDrain {
  const keys = commandIntakeKeys(opts.prefix);
  const consumer = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = opts.logger.child({ component: 'command-drain' });
  const claimIdleMs = opts.claimIdleMs ?? 30_000;
  const blockMs = opts.blockMs ?? 1000;
  const conn = opts.connection;
  let stopping = false;
  /** The batch being moved right now, if any: stop() waits for it. */
  let moving: Promise<void> | undefined;
  let lastClaim = 0;
  // At start and after a failure, this consumer's own taken-but-unfinished entries are read first.
  let ownPending = true;

  const move = async (id: string, fields: string[]): Promise<void> => {
    const raw = fields[fields.indexOf('command') + 1];
    const parsed = commandRecordSchema.safeParse(raw === undefined ? undefined : safeJson(raw));
    if (!parsed.success) {
      // Only a writer other than the front puts such an entry here; keeping it would block nothing but
      // would be retried for ever, so it is logged with its content and removed.
      log.error({ entry: id, raw, problem: parsed.error.message }, 'unreadable command in the intake stream: removed');
    } else {
      const r = parsed.data;
      await opts.queue.enqueue(r.request, { jobId: r.jobId, requestedAt: r.requestedAt });
      // Released only if still ours: an identical command may have taken it after it expired.
      await conn.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, keys.pending(r.dedupeKey), r.jobId);
    }
    await conn.multi().xack(keys.stream, keys.group, id).xdel(keys.stream, id).exec();
  };

  const ensureGroup = async (): Promise<void> => {
    try {
      // From the start of the stream: commands accepted before any worker ever ran are drained too.
      await conn.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  };

  const takeOver = async (): Promise<void> => {
    // XAUTOCLAIM: entries idle past claimIdleMs in any consumer of the group (a drain that died) are ours now.
    const [, entries] = (await conn.xautoclaim(keys.stream, keys.group, consumer, claimIdleMs, '0-0', 'COUNT', BATCH)) as [string, Array<StreamEntry | null>];
    for (const e of entries) if (e !== null) await move(e[0], e[1]);
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      try {
        if (Date.now() - lastClaim >= claimIdleMs / 2) {
          await ensureGroup();
          await takeOver();
          lastClaim = Date.now();
        }
        const from = ownPending ? '0' : '>';
        const reply = (await conn.xreadgroup('GROUP', keys.group, consumer, 'COUNT', BATCH, 'BLOCK', blockMs, 'STREAMS', keys.stream, from)) as ReadReply;
        const entries = reply?.[0]?.[1] ?? [];
        // Taken commands are moved even when a stop came meanwhile: left taken, they would wait for another drain's claim.
        moving = (async () => {
          for (const [id, fields] of entries) await move(id, fields);
        })();
        await moving;
        moving = undefined;
        if (ownPending && entries.length < BATCH) ownPending = false;
      } catch (err) {
        moving = undefined;
        if (stopping) break;
        // Redis down or failing over: wait and read again; what was taken stays pending and is retried.
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'command intake drain failed; retrying');
        lastClaim = 0;
        ownPending = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  // Ends by itself once stopped: after its blocked read returns, or fails when the connection is closed.
  void loop();
  return {
    stop: async () => {
      stopping = true;
      await moving?.catch(() => undefined);
    },
  };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
