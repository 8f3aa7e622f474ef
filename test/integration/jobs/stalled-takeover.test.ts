import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { workerOptions } from '../../../src/jobs/worker-options.js';
import { startRedis } from '../../support/redis.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';

/**
 * `jobs.stalledSeconds` against a real Redis: the lock a running job holds lasts that long, and a job whose
 * worker stopped renewing it (a process killed mid-job) is taken over by another worker after it runs out,
 * not after BullMQ's default 30 s.
 */
const PREFIX = 'stalled-test';
let redis: RunningProcess & { url: string };
const conns: Redis[] = [];
const conn = (): Redis => {
  const c = new Redis(redis.url, { maxRetriesPerRequest: null });
  conns.push(c);
  return c;
};

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(conns.map((c) => c.quit().catch(() => undefined)));
  await redis?.stop();
});

describe('jobs.stalledSeconds', () => {
  it('a running job holds a lock of that length, and another worker takes it over once a dead one stops renewing it', async () => {
    const queue = new Queue('takeover', { connection: conn(), prefix: PREFIX });
    const ran: string[] = [];
    let startedFirst: () => void = () => undefined;
    const firstStarted = new Promise<void>((resolve) => (startedFirst = resolve));
    // The first worker never finishes its job: it stands for a process that dies while the job runs.
    const first = new Worker('takeover', async () => {
      ran.push('first');
      startedFirst();
      await new Promise(() => undefined);
    }, workerOptions({ connection: conn(), prefix: PREFIX, stalledSeconds: 5 }, 1));
    const job = await queue.add('diagnose', { cluster: 'lab' });
    await firstStarted;

    const admin = conn();
    const lockMs = await admin.pttl(`${PREFIX}:takeover:${job.id}:lock`);
    // BullMQ's default would be 30,000 ms.
    expect(lockMs).toBeGreaterThan(0);
    expect(lockMs).toBeLessThanOrEqual(5_000);

    // Stop renewing the lock without finishing the job, as a kill -9 would.
    await first.close(true);
    const second = new Worker('takeover', async () => {
      ran.push('second');
    }, workerOptions({ connection: conn(), prefix: PREFIX, stalledSeconds: 5 }, 1));
    // Lock out (≤ 5 s) plus up to two stalled checks 5 s apart; BullMQ's default needs 30–90 s.
    await waitFor('the second worker to finish the job the first one left', async () => (await queue.getJobState(job.id!)) === 'completed', 45_000, 200);
    expect(ran).toEqual(['first', 'second']);
    await second.close();
    await queue.close();
  }, 60_000);
});
