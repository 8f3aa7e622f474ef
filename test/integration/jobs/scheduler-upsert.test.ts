import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { parseConfigText } from '../../../src/config/load.js';
import { HandoffQueue } from '../../../src/jobs/handoff/queue.js';
import { HANDOFF_QUEUE } from '../../../src/jobs/handoff/job.js';
import { startRedis } from '../../support/redis.js';
import type { RunningProcess } from '../../support/processes.js';

/**
 * Replicas that start together against one real Redis: while one worker holds the job of a schedule's
 * next tick (BullMQ moves the job to active, then schedules the following tick, in two steps), another
 * process upserting the same schedule is refused by BullMQ with "job ID already exists". A starting
 * worker must not fail on that: the schedule it wanted is in place, or is stored once the tick moves on.
 */
const PREFIX = 'sched-upsert';
const ID = 'handoff-new-year';
let redis: RunningProcess & { url: string };
let admin: Redis;
const queues: HandoffQueue[] = [];

const config = (mention: string): ReturnType<typeof parseConfigText> =>
  parseConfigText(
    `
handoff:
  schedules:
    - id: new-year
      channel: C0YEAR
      cron: "0 0 1 1 *"
      tz: UTC
      clusters: [lab]
      mention: ${mention}
clusters:
  lab:
    prometheus: { url: "http://127.0.0.1:9" }
    selector: { job: etcd }
    slack: { channels: ["C0YEAR"] }
`,
    'scheduler-upsert.yaml',
    {},
  );

const replica = (): HandoffQueue => {
  const q = new HandoffQueue(new Redis(redis.url, { maxRetriesPerRequest: null }), PREFIX, () => undefined);
  queues.push(q);
  return q;
};

const key = (name: string): string => `${PREFIX}:${HANDOFF_QUEUE}:${name}`;

/** The state between a worker taking the tick's job (delayed → active) and scheduling the next tick. */
async function holdTick(jobId: string): Promise<void> {
  await admin.zrem(key('delayed'), jobId);
  await admin.lpush(key('active'), jobId);
}

/** The worker has scheduled the next tick: the held job is out of the way again. */
async function releaseTick(jobId: string, at: number): Promise<void> {
  await admin.lrem(key('active'), 1, jobId);
  await admin.zadd(key('delayed'), at * 0x1000, jobId);
}

async function freshSchedule(): Promise<{ first: HandoffQueue; jobId: string; next: number }> {
  await admin.flushall();
  const first = replica();
  await first.syncSchedules(config('S0FIRST'));
  const next = (await first.queue.getJobScheduler(ID))!.next!;
  const jobId = `repeat:${ID}:${next}`;
  expect(await first.queue.getJobState(jobId)).toBe('delayed');
  await holdTick(jobId);
  expect(await first.queue.getJobState(jobId)).toBe('active');
  return { first, jobId, next };
}

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});

afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await admin?.quit();
  await redis?.stop();
});

describe('a schedule upserted while another worker holds its tick', () => {
  it('BullMQ itself refuses the upsert in that state', async () => {
    const { first } = await freshSchedule();
    await expect(
      first.queue.upsertJobScheduler(ID, { pattern: '0 0 1 1 *', tz: 'UTC' }, { name: 'scheduled', data: { channel: 'C0YEAR', clusters: ['lab'] } }),
    ).rejects.toThrow(/job ID already exists/);
  });

  it('a second replica with the same configuration starts: the stored schedule is already the one it wants', async () => {
    const { first, jobId, next } = await freshSchedule();
    const second = replica();
    await expect(second.syncSchedules(config('S0FIRST'))).resolves.toEqual([ID]);
    const stored = await second.queue.getJobScheduler(ID);
    expect(stored?.next).toBe(next);
    expect(stored?.template?.data).toMatchObject({ channel: 'C0YEAR', mention: 'S0FIRST', scheduleId: ID });
    // The held job is untouched, and no second job was made for the tick.
    expect(await first.queue.getJobState(jobId)).toBe('active');
    expect(await first.queue.getJobCounts('active', 'delayed', 'wait')).toEqual({ active: 1, delayed: 0, wait: 0 });
  });

  it('a changed schedule is stored once the tick is released, on a later try', async () => {
    const { jobId, next } = await freshSchedule();
    const second = replica();
    // The worker holding the tick schedules the next one right after this replica's first try is refused.
    const upsert = second.queue.upsertJobScheduler.bind(second.queue);
    let tries = 0;
    second.queue.upsertJobScheduler = async (...args: Parameters<typeof upsert>) => {
      tries++;
      try {
        return await upsert(...args);
      } catch (err) {
        if (tries === 1) await releaseTick(jobId, next);
        throw err;
      }
    };
    await expect(second.syncSchedules(config('S0SECOND'))).resolves.toEqual([ID]);
    expect(tries).toBe(2);
    const stored = await second.queue.getJobScheduler(ID);
    expect(stored?.template?.data).toMatchObject({ mention: 'S0SECOND' });
    expect(await second.queue.getJobCounts('active', 'delayed', 'wait')).toEqual({ active: 0, delayed: 1, wait: 0 });
  });

  it('a changed schedule whose tick stays held fails to start with a message that says so, and changes nothing', async () => {
    await freshSchedule();
    const second = replica();
    await expect(second.syncSchedules(config('S0SECOND'))).rejects.toThrow(
      `job scheduler ${ID} could not be stored: the job of its next tick stayed held by another worker through 6 tries`,
    );
    expect((await second.queue.getJobScheduler(ID))?.template?.data).toMatchObject({ mention: 'S0FIRST' });
  });
});
