import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startSentinelSet, type RunningSentinelSet } from '../../support/redis.js';
import { expectStormDelivered, sendStep, startStormDeployment, stopStormDeployment, stormGroups, type StormDeployment } from '../../support/storm.js';

/**
 * A master, a replica and three Sentinels; the bot as one HTTP front and two workers (separate processes
 * of the real CLI) connected through the Sentinels. An alert storm is under way when the master is
 * killed (SIGKILL: no shutdown, nothing flushed). The Sentinels promote the replica, the bot follows,
 * and every group still ends with one thread holding all its alerts and one triage.
 */
const SECRET = 'sentinel-signing-secret';
const TOKEN = 'sentinel-webhook-token';
const CHANNELS = ['C0SENTA', 'C0SENTB', 'C0SENTC'];
const NAMES = ['etcdHighFsyncDurations', 'etcdNoLeader', 'etcdGRPCRequestsSlow', 'etcdMembersDown'];
/** Notifications per group: Alertmanager re-sends the whole group as it grows, one more member each time. */
const STEPS = 8;

let stack: StormDeployment<RunningSentinelSet> | undefined;

beforeAll(async () => {
  stack = await startStormDeployment('sent', CHANNELS, startSentinelSet, { signing: SECRET, webhook: TOKEN });
}, 240_000);

afterAll(() => stopStormDeployment(stack));

/** The end of each bot process's log, for a failure message. */
const logs = (): string => (stack?.bots ?? []).map((b) => `--- ${b.mode} ${b.pid} ---\n${b.log().slice(-2500)}`).join('\n');

describe('Sentinel failover in the middle of an alert storm', () => {
  it('master SIGKILLed at step 4 of 8: the replica is promoted, no alert lost, no thread twice', async () => {
    const { redis: set, slack, bots } = stack!;
    const front = bots[0]!;
    const oldMaster = set.masterPort();
    const groups = stormGroups(CHANNELS.length, NAMES);
    const opts = { job: 'etcd-sent', tag: '8' };
    let retried = 0;
    for (let step = 1; step <= STEPS; step++) {
      if (step === 4) {
        // The front answered the notifications so far only after a replica had them (WAIT 1, shared by
        // the notifications of a step that arrive together: at least one per step).
        const master = new Redis({ host: '127.0.0.1', port: oldMaster });
        const waits = Number(/cmdstat_wait:calls=(\d+)/.exec(await master.info('commandstats'))?.[1] ?? 0);
        master.disconnect();
        expect(waits).toBeGreaterThanOrEqual(3);
        expect(await set.killMaster()).toBe(oldMaster);
      }
      retried += await sendStep(front.url!, TOKEN, groups, step, opts).catch((err: Error) => {
        throw new Error(`step ${step}: ${err.message}\n${logs()}`);
      });
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(await set.waitForFailover(oldMaster)).not.toBe(oldMaster);
    // The outage was seen (503s, retried as Alertmanager does), and then everything was accepted.
    expect(retried).toBeGreaterThan(0);

    await expectStormDelivered(slack, CHANNELS, NAMES, STEPS, { diagnostics: logs });
  }, 300_000);
});
