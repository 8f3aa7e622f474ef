import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../support/redis.js';
import { startBotProcess } from '../../support/bot-processes.js';
import { expectStormDelivered, sendStep, startStormDeployment, stopStormDeployment, stormGroups, type StormDeployment } from '../../support/storm.js';

/**
 * The bot's own processes killed with SIGKILL in the middle of an alert storm, as when a node dies: the
 * front (webhook intake) and one of two workers go at once, with notifications and jobs in flight. The
 * sender retries like Alertmanager (connection refused, 5xx) until a new front answers on the same
 * address; a new worker takes over the jobs of the dead one once their locks lapse. Every group must end
 * complete, in exactly one thread.
 */
const SECRET = 'kill-signing-secret';
const TOKEN = 'kill-webhook-token';
const CHANNELS = ['C0KILLA', 'C0KILLB'];
const NAMES = ['etcdHighFsyncDurations', 'etcdNoLeader', 'etcdGRPCRequestsSlow', 'etcdMembersDown', 'etcdHighCommitDurations'];
const STEPS = 8;

let stack: StormDeployment<Awaited<ReturnType<typeof startRedis>>> | undefined;

beforeAll(async () => {
  stack = await startStormDeployment('kill', CHANNELS, () => startRedis(), { signing: SECRET, webhook: TOKEN });
}, 240_000);

afterAll(() => stopStormDeployment(stack));

describe('the bot killed with SIGKILL mid-storm', () => {
  it('front and a worker killed at step 4 of 8 and started again: no alert lost, no thread twice', async () => {
    const { bots, configFile, env, slack } = stack!;
    const groups = stormGroups(CHANNELS.length, NAMES);
    const opts = { job: 'etcd-kill', tag: '7' };
    let front = bots[0]!;
    const frontPort = Number(new URL(front.url!).port);
    let retried = 0;
    for (let step = 1; step <= STEPS; step++) {
      if (step === 4) {
        await Promise.all([front.kill(), bots[1]!.kill()]);
        // The sender keeps trying the same address while nothing answers there.
        const sending = sendStep(front.url!, TOKEN, groups, step, opts);
        await new Promise((r) => setTimeout(r, 1000));
        front = await startBotProcess('serve', configFile, env, frontPort);
        bots.push(front, await startBotProcess('worker', configFile, env));
        retried += await sending;
      } else {
        retried += await sendStep(front.url!, TOKEN, groups, step, opts);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(retried).toBeGreaterThan(0);

    await expectStormDelivered(slack, CHANNELS, NAMES, STEPS, { memberTag: opts.tag });
  }, 300_000);
});
