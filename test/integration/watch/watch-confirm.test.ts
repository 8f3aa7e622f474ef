import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import type { Diagnosis } from '../../../src/diagnosis/types.js';
import { WATCH_QUEUE, watchConfirmJobId } from '../../../src/jobs/watch/job.js';
import { WatchStore } from '../../../src/incidents/watch/watch-store.js';
import { loadScenario, readScenarioMeta, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { startTestBot } from '../../support/test-bot.js';

/**
 * The confirming evaluation, at the watch's defaults (30 s interval, openAfter 2, confirmAfterSeconds
 * 10): a recorded slow disk replayed as live, its onset 20 s after the test starts, watched by two bots
 * on one Redis. The first evaluation that sees the disk asks for one more 10 s later; that one opens the
 * warning, a full interval before the next scheduled tick would have. Exactly one confirming job runs
 * for that tick, whichever bot asked, and one thread is posted.
 */
const CHANNEL = 'C0CONFIRM';
const ONSET_IN_S = 20;

let redis: RunningProcess & { url: string };
let disk: LoadedScenario;
let slack: SlackStandin;
const bots: RunningServices[] = [];
let onsetMs: number;
const prefix = `tc${Date.now()}`;

beforeAll(async () => {
  const onset = Math.floor(Date.now() / 1000) + ONSET_IN_S;
  onsetMs = onset * 1000;
  const m = readScenarioMeta('disk-slow-follower');
  const endAt = Math.round(onset + (Date.parse(m.recording.end) - Date.parse(m.fault.start)) / 1000);
  [redis, disk, slack] = await Promise.all([startRedis(), loadScenario('disk-slow-follower', { endAt }), SlackStandin.start()]);
  const config = `
watch:
  enabled: true
clusters:
  lab:
    prometheus: { url: "${disk.url}", timeoutMs: 3000 }
    selector: { job: etcd }
    nodeExporter: { selector: { job: node } }
    slack: { channels: ["${CHANNEL}"] }
`;
  for (let i = 0; i < 2; i++) {
    bots.push(await startTestBot({ name: 'watch-confirm.yaml', config, slack: { token: slack.token, apiUrl: slack.apiUrl }, redisUrl: redis.url, prefix, signingSecret: 'confirm-signing-secret' }));
  }
}, 120_000);

afterAll(async () => {
  for (const b of bots) await b.stop();
  await Promise.all([redis?.stop(), disk?.stop(), slack?.stop()]);
});

const parents = (): StoredMessage[] => slack.history(CHANNEL).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);

describe('the confirming evaluation', () => {
  it('opens the warning 10 s after the first sighting, not a full interval later, with one confirming job across two bots', async () => {
    await waitFor('the warning parent', () => parents().length > 0, 150_000, 250);
    const postedAt = slack.okCallsOf('chat.postMessage').find((c) => c.args['channel'] === CHANNEL)!.at;
    const store = new WatchStore(bots[0]!.timeline!.redis, prefix);
    const warning = (await store.state('lab')).warning!;
    const since = Date.parse(warning.since);
    // The fault is seen after its onset, within one interval and the detector's window.
    expect(since).toBeGreaterThanOrEqual(onsetMs - 5_000);
    // The second evaluation that opened it is the confirmation, 10 s after the first sighting.
    expect(Date.parse(warning.openedAt) - since).toBe(10_000);
    // Posted before the next scheduled tick would even have run (one interval after the first sighting).
    expect(postedAt).toBeLessThan(since + 30_000 + 15_000);
    const diagnosis = JSON.parse((await store.thread(warning.id)).diagnosis ?? (await waitDiagnosis(store, warning.id))) as Diagnosis;
    expect(diagnosis.causes[0]).toMatchObject({ playbook: 'disk', members: ['etcd-2'] });
    expect(parents()[0]!.text).toContain('on etcd-2 since');
    expect(parents()[0]!.text).toContain('no alert has fired yet');

    // One confirming job for that tick, run once; none after the warning opened.
    const queue = new Queue(WATCH_QUEUE, { connection: bots[0]!.timeline!.redis, prefix });
    try {
      const confirmations = (await queue.getJobs(['completed', 'delayed', 'waiting', 'active'], 0, -1)).filter((j) => j.id?.startsWith('watch-confirm-'));
      expect(confirmations.map((j) => j.id)).toEqual([watchConfirmJobId('lab', since)]);
      expect(confirmations[0]!.data).toEqual({ cluster: 'lab', tick: since + 10_000 });
      // Every evaluation stored stands for a distinct moment: the confirmation did not repeat a tick.
      const evals = await store.evaluations('lab');
      expect(new Set(evals.map((e) => e.at)).size).toBe(evals.length);
      expect(evals.map((e) => Date.parse(e.at))).toContain(since + 10_000);
    } finally {
      await queue.close();
    }
    expect(parents()).toHaveLength(1);
  }, 200_000);
});

async function waitDiagnosis(store: WatchStore, id: string): Promise<string> {
  await waitFor('the diagnosis', async () => (await store.thread(id)).diagnosis !== undefined, 60_000, 250);
  return (await store.thread(id)).diagnosis!;
}
