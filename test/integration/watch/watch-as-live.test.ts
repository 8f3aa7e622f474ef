import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/services.js';
import { isWatchEvent } from '../../../src/incidents/timeline-event.js';
import { WatchStore } from '../../../src/incidents/watch-store.js';
import { loadScenario, readScenarioMeta, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { startSwitchProxy, type SwitchProxy } from '../../support/switch-proxy.js';
import { startTestBot } from '../../support/test-bot.js';

/**
 * Recorded incidents replayed as live: each recording is shifted so that its fault begins about a
 * minute after the test starts. Prometheus answers a query at "now" with the samples up to now only, so
 * the watch sees the baseline first and the fault arrive on time, as it would in production. The
 * faulted cluster's Prometheus sits behind a switch; turning it to a healthy recording of the same lab
 * at the same times is the recovery.
 */
const LAB = 'C0LABWATCH';
const CALM = 'C0CALMWATCH';
const ONSET_IN_S = 60;

let redis: RunningProcess & { url: string };
let disk: LoadedScenario;
let healthy: LoadedScenario;
let proxy: SwitchProxy;
let slack: SlackStandin;
let bot: RunningServices;
let store: WatchStore;
let onsetMs: number;
const prefix = `tw${Date.now()}`;

/** endAt for a recording so that its fault starts at `onset` (unix seconds). */
function endAtFor(name: string, onset: number): number {
  const m = readScenarioMeta(name);
  return Math.round(onset + (Date.parse(m.recording.end) - Date.parse(m.fault.start)) / 1000);
}

beforeAll(async () => {
  const onset = Math.floor(Date.now() / 1000) + ONSET_IN_S;
  onsetMs = onset * 1000;
  [redis, disk, healthy, slack] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: endAtFor('disk-slow-follower', onset) }),
    loadScenario('healthy-control', { endAt: endAtFor('healthy-control', onset) }),
    SlackStandin.start(),
  ]);
  proxy = await startSwitchProxy(disk.url);
  const cluster = (url: string, channel: string): string => `
    prometheus: { url: "${url}", timeoutMs: 3000 }
    selector: { job: etcd }
    nodeExporter: { selector: { job: node } }
    slack: { channels: ["${channel}"] }`;
  bot = await startTestBot({
    name: 'watch.yaml',
    config: `
watch:
  enabled: true
  intervalSeconds: 10
  hysteresis: { openAfter: 2, recoverAfter: 3 }
clusters:
  lab:${cluster(proxy.url, LAB)}
  calm:${cluster(healthy.url, CALM)}
  unwatched:${cluster(healthy.url, 'C0UNWATCHED')}
    watch: { enabled: false }
`,
    slack: { token: slack.token, apiUrl: slack.apiUrl },
    redisUrl: redis.url,
    prefix,
    signingSecret: 'unused-signing-secret',
  });
  store = new WatchStore(bot.timeline!.redis, prefix);
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await proxy?.close();
  await Promise.all([redis?.stop(), disk?.stop(), healthy?.stop(), slack?.stop()]);
});

const parents = (channel: string): StoredMessage[] => slack.history(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

describe('the watch, on recorded incidents replayed as live', () => {
  it('posts one thread naming the slow disk on etcd-2, since its onset, before any alert; the healthy cluster gets nothing', async () => {
    await waitFor('the warning thread', () => parents(LAB).length > 0 && slack.threadReplies(LAB, parents(LAB)[0]!.ts).length > 0, 240_000, 500);
    const parentPostedAt = slack.okCallsOf('chat.postMessage').find((c) => c.args['channel'] === LAB)!.at;
    const [parent] = parents(LAB);
    const state = await store.state('lab');
    const warning = state.warning!;
    expect(warning).toBeDefined();
    // The onset the watch dates it from is the fault's, within the watch interval and the detector's window.
    expect(Date.parse(warning.since)).toBeGreaterThanOrEqual(onsetMs - 10_000);
    expect(Date.parse(warning.since)).toBeLessThanOrEqual(onsetMs + 45_000);
    // Spacing with tolerance: posted within 90 s of the onset (two evaluations 10 s apart, then the diagnosis).
    expect(parentPostedAt - onsetMs).toBeLessThanOrEqual(90_000);
    expect(parent!.text).toMatch(/^👀 lab — Slow disk on etcd-2\b/);
    expect(parent!.text).toContain(`since ${hhmm(Date.parse(warning.since))} UTC`);
    expect(parent!.text).toContain('no alert has fired yet');
    expect(JSON.stringify(parent!.blocks)).toContain('Re-run');
    expect(parent!.metadata?.event_payload['key']).toBe(`watch.${warning.id}`);
    const [details] = slack.threadReplies(LAB, parent!.ts);
    expect(details!.text).toContain('Slow disk');
    expect(JSON.stringify(details!.blocks)).toContain('What the watch saw arriving');

    // Three more evaluations of the same fault: nothing new is posted, nothing else is opened.
    const before = slack.okCallsOf('chat.postMessage').filter((c) => c.args['channel'] === LAB).length;
    const tick = state.lastTick;
    await waitFor('three more evaluations', async () => (await store.state('lab')).lastTick >= tick + 30_000, 60_000, 500);
    expect(parents(LAB)).toHaveLength(1);
    const textReplies = slack.okCallsOf('chat.postMessage').filter((c) => c.args['channel'] === LAB).length;
    expect(textReplies).toBe(before);
    expect(slack.messages(CALM)).toEqual([]);
    expect(slack.messages('C0UNWATCHED')).toEqual([]);
    expect((await store.evaluations('calm')).length).toBeGreaterThan(3);
    expect(await store.evaluations('unwatched')).toEqual([]);
  }, 330_000);

  it('after a sustained recovery the parent says "recovered after N min" and one reply says so', async () => {
    proxy.use(healthy.url);
    const [parent] = parents(LAB);
    await waitFor('the recovery edit', () => slack.messages(LAB).find((m) => m.ts === parent!.ts)!.text.includes('recovered after'), 120_000, 500);
    const edited = slack.messages(LAB).find((m) => m.ts === parent!.ts)!;
    expect(edited.text).toMatch(/^✅ lab — recovered after \d+ min: Slow disk on etcd-2/);
    await waitFor('the recovery reply', () => slack.threadReplies(LAB, parent!.ts).some((r) => r.text.startsWith('✅ Recovered after')), 30_000, 200);
    expect(slack.threadReplies(LAB, parent!.ts).filter((r) => r.text.startsWith('✅ Recovered after'))).toHaveLength(1);
    expect(parents(LAB)).toHaveLength(1);
    const state = await store.state('lab');
    expect(state.phase).toBe('quiet');
    expect(state.last?.recoveredAt).toBeDefined();
    // The timeline has the warning opening and recovering, once each.
    const events = (await bot.timeline!.between('lab', onsetMs - 600_000, Date.now() + 60_000)).events.filter(isWatchEvent);
    expect(events.map((e) => e.kind)).toEqual(['watch-opened', 'watch-recovered']);
    expect(slack.messages(CALM)).toEqual([]);
  }, 180_000);
});
