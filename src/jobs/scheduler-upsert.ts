import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, type Queue } from 'bullmq';

/** What a scheduler repeats on: a cron pattern in a time zone, or a fixed interval. */
export type SchedulerRepeat = { pattern: string; tz: string } | { every: number };

/**
 * Pauses before trying again when the tick's job is held elsewhere. The hold lasts from a worker taking
 * the tick's job to it scheduling the next tick (two separate steps in BullMQ): milliseconds, so a
 * few short tries see it pass; five tries span 1.55 s.
 */
const HELD_TICK_PAUSES_MS = [50, 100, 200, 400, 800];

/**
 * Upserts a job scheduler, tolerating the race between replicas that start together. BullMQ computes
 * the next tick before its script runs; if another process's worker has meanwhile taken that tick's
 * job (it is active, or already completed), the script refuses to overwrite it with "job ID already
 * exists" (or "time slots already have jobs" for an interval). Left alone, that error would stop a
 * starting worker for a schedule that another replica has put in place already. So: if the stored
 * scheduler is already the one wanted, nothing is left to do; else try again once the tick has moved
 * on, and past the last try say which scheduler could not be stored, and why.
 */
export async function upsertScheduler<D>(
  queue: Queue<D, unknown, string, D, unknown, string>,
  id: string,
  repeat: SchedulerRepeat,
  template: { name: string; data: D },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await queue.upsertJobScheduler(id, repeat, template);
      return;
    } catch (err) {
      if (!isHeldTick(err)) throw err;
      if (await storedAsWanted(queue, id, repeat, template)) return;
      const pause = HELD_TICK_PAUSES_MS[attempt];
      if (pause === undefined) {
        throw new Error(
          `job scheduler ${id} could not be stored: the job of its next tick stayed held by another worker through ${HELD_TICK_PAUSES_MS.length + 1} tries (${(err as Error).message})`,
        );
      }
      await sleep(pause);
    }
  }
}

function isHeldTick(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === ErrorCode.SchedulerJobIdCollision || code === ErrorCode.SchedulerJobSlotsBusy;
}

/** True when the stored scheduler repeats the same way and makes the same job as the one wanted. */
async function storedAsWanted<D>(queue: Queue<D, unknown, string, D, unknown, string>, id: string, repeat: SchedulerRepeat, template: { name: string; data: D }): Promise<boolean> {
  const stored = await queue.getJobScheduler(id);
  if (stored === undefined) return false;
  const sameRepeat =
    'every' in repeat ? stored.every === repeat.every : stored.pattern === repeat.pattern && stored.tz === repeat.tz;
  return sameRepeat && stored.name === template.name && isDeepStrictEqual(stored.template?.data, template.data);
}
