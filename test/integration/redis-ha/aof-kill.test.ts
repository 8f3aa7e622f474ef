import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, tempDir, type RunningProcess } from '../../support/processes.js';
import { expectStormDelivered, sendStep, startStormDeployment, stopStormDeployment, stormGroups, type StormDeployment } from '../../support/storm.js';

/**
 * Redis killed with SIGKILL in the middle of a storm and started again on its append-only file, as a
 * crashed pod is restarted: the bot (one front, two workers, separate processes) keeps its group
 * state, queued jobs and thread timestamps, so every group ends complete in one thread.
 *
 * appendfsync: Redis write()s the append-only file before it answers, so a killed process loses no
 * acknowledged write with `everysec` either; `always` also covers a crash of the whole machine.
 */
const SECRET = 'aof-signing-secret';
const TOKEN = 'aof-webhook-token';
const CHANNELS = ['C0AOFA', 'C0AOFB'];
const NAMES = ['etcdHighFsyncDurations', 'etcdNoLeader', 'etcdGRPCRequestsSlow', 'etcdMembersDown', 'etcdHighCommitDurations'];
const STEPS = 8;

let redisPort: number;
let redisDir: string;
let stack: StormDeployment<RunningProcess & { url: string }> | undefined;

/** Redis on the same port and folder every time, so a restarted one reads the killed one's files. */
async function startRedisAof(): Promise<RunningProcess & { url: string }> {
  const redis = await startProcess({
    name: 'redis-aof',
    command: 'redis-server',
    args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', redisDir],
    port: redisPort,
  });
  return Object.assign(redis, { url: `redis://127.0.0.1:${redisPort}` });
}

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = tempDir('redis-aof-kill');
  stack = await startStormDeployment('aof', CHANNELS, startRedisAof, { signing: SECRET, webhook: TOKEN });
}, 240_000);

afterAll(() => stopStormDeployment(stack));

describe('Redis kill -9 and restart from its append-only file', () => {
  it('killed at step 4 of 8, back 2 s later: no alert lost, no thread twice', async () => {
    const s = stack!;
    const front = s.bots[0]!;
    const groups = stormGroups(CHANNELS.length, NAMES);
    const opts = { job: 'etcd-aof', tag: '9' };
    let retried = 0;
    for (let step = 1; step <= STEPS; step++) {
      if (step === 4) {
        const redis = s.redis;
        const gone = new Promise<void>((resolve) => redis.child.once('exit', () => resolve()));
        process.kill(redis.pid, 'SIGKILL');
        await gone;
        // Alertmanager keeps trying while Redis is away; Redis comes back on the same port and files.
        const sending = sendStep(front.url!, TOKEN, groups, step, opts);
        await new Promise((r) => setTimeout(r, 2000));
        s.redis = await startRedisAof();
        retried += await sending;
      } else {
        retried += await sendStep(front.url!, TOKEN, groups, step, opts);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(retried).toBeGreaterThan(0);

    await expectStormDelivered(s.slack, CHANNELS, NAMES, STEPS, { memberTag: opts.tag });
  }, 300_000);
});
