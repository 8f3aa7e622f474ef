import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ReplicaAck } from '../../../src/jobs/replica-ack.js';
import { startRedis } from '../../support/redis.js';
import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';

/**
 * WAIT against a real master and replica: a write is acknowledged once the replica has it; with the
 * replica gone the caller goes on after the timeout and stops asking for the pause, then asks again.
 */
let master: RunningProcess & { url: string };
let replica: RunningProcess | undefined;
let replicaPort: number;
let replicaDir: string;
let conn: Redis;
let admin: Redis;

function startReplica(): Promise<RunningProcess> {
  return startProcess({
    name: 'redis-replica',
    command: 'redis-server',
    args: ['--port', String(replicaPort), '--bind', '127.0.0.1', '--save', '', '--dir', replicaDir, '--replicaof', '127.0.0.1', String(master.port)],
    port: replicaPort,
  });
}
/** Replicas in sync (state=online): only those answer WAIT. */
const connectedReplicas = async (): Promise<number> => ((await admin.info('replication')).match(/^slave\d+:.*state=online/gm) ?? []).length;
const waitCalls = async (): Promise<number> => Number(/cmdstat_wait:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);

beforeAll(async () => {
  master = await startRedis();
  replicaPort = await freePort();
  replicaDir = tempDir('redis-replica');
  replica = await startReplica();
  conn = new Redis(master.url);
  admin = new Redis(master.url);
  await waitFor('replica connected', async () => (await connectedReplicas()) === 1, 20_000, 100);
}, 60_000);

afterAll(async () => {
  conn?.disconnect();
  admin?.disconnect();
  await Promise.all([replica?.stop(), master?.stop()]);
});

describe('ReplicaAck (WAIT 1 before answering)', () => {
  it('true once the replica has the write; false with the replica gone, then paused, then asked again', async () => {
    let now = 1_000_000;
    const missing: Array<[number, number]> = [];
    // The timeout is the wait for a replica that IS there, too: on a loaded machine a replica can take
    // a few hundred ms to confirm, so it is generous (the cases with the replica gone pay it in full).
    const ack = new ReplicaAck(conn, { replicas: 1, timeoutMs: 3_000, pauseMs: 10_000, now: () => now, onMissing: (a, r) => missing.push([a, r]) });

    await conn.rpush('n', 'one');
    expect(await ack.afterWrite()).toBe(true);
    expect(missing).toEqual([]);

    await replica!.stop();
    await waitFor('replica gone', async () => (await connectedReplicas()) === 0, 20_000, 100);
    await conn.rpush('n', 'two');
    expect(await ack.afterWrite()).toBe(false);
    expect(missing).toEqual([[0, 1]]);

    // Paused: no WAIT is sent at all, so a missing replica does not hold every request for the timeout.
    const calls = await waitCalls();
    now += 9_000;
    await conn.rpush('n', 'three');
    expect(await ack.afterWrite()).toBe(false);
    expect(await waitCalls()).toBe(calls);
    expect(missing).toHaveLength(1);

    // A storm with the replica still gone once the pause is over: the requests share WAITs (one on the
    // wire, one for those arriving meanwhile), instead of queueing one timeout each.
    now += 2_000;
    const stormCalls = await waitCalls();
    await Promise.all(Array.from({ length: 10 }, (_, i) => conn.rpush('n', `storm-${i}`)));
    const storm = await Promise.all(Array.from({ length: 10 }, () => ack.afterWrite()));
    expect(storm.every((ok) => !ok)).toBe(true);
    expect((await waitCalls()) - stormCalls).toBeLessThanOrEqual(2);
    expect(missing).toHaveLength(2);
    const afterStorm = await waitCalls();
    now += 11_000;

    replica = await startReplica();
    await waitFor('replica back', async () => (await connectedReplicas()) === 1, 20_000, 100);
    await conn.rpush('n', 'four');
    expect(await ack.afterWrite()).toBe(true);
    expect(await waitCalls()).toBe(afterStorm + 1);
  }, 60_000);
});
