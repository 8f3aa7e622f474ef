import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import type { Diagnosis } from '../../../src/diagnosis/types.js';
import { isWatchEvent } from '../../../src/incidents/timeline/timeline-event.js';
import { WatchStore } from '../../../src/incidents/watch/watch-store.js';
import { loadScenario, readScenarioMeta, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { startSwitchProxy, type SwitchProxy } from '../../support/switch-proxy.js';
import { startTestBot } from '../../support/test-bot.js';
import { sendSlashCommand, slackSignature } from '../../support/slack-sign.js';

/**
 * Recorded incidents replayed as live: each recording is shifted so that its fault begins about a
 * minute after the test starts. Prometheus answers a query at "now" with the samples up to now only, so
 * the watch sees the baseline first and the fault arrive on time, as it would in production. The
 * faulted cluster's Prometheus sits behind a switch; turning it to a healthy recording of the same lab
 * at the same times is the recovery.
 */
const LAB = 'C0LABWATCH';
const CALM = 'C0CALMWATCH';
const FLEET = 'C0FLEET';
const ALERTS = 'C0LABALERTS';
const TOKEN = 'watch-webhook-token';
const SECRET = 'watch-signing-secret';
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
  const cluster = (url: string, channel: string, groups = '[]'): string => `
    prometheus: { url: "${url}", timeoutMs: 3000 }
    selector: { job: etcd }
    nodeExporter: { selector: { job: node } }
    slack: { channels: ["${channel}", "${FLEET}"], userGroups: ${groups} }`;
  bot = await startTestBot({
    name: 'watch.yaml',
    config: `
watch:
  enabled: true
  intervalSeconds: 10
  hysteresis: { openAfter: 2, recoverAfter: 3 }
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  dropUnmatched: true
clusters:
  lab:${cluster(proxy.url, LAB)}
    alerts: { channel: ${ALERTS} }
    watch: { channel: ${LAB} }
  calm:${cluster(healthy.url, CALM, '[S0CALM]')}
  unwatched:${cluster(healthy.url, 'C0UNWATCHED')}
    watch: { enabled: false }
`,
    slack: { token: slack.token, apiUrl: slack.apiUrl },
    redisUrl: redis.url,
    prefix,
    signingSecret: SECRET,
    secrets: { AM_TOKEN: TOKEN },
  });
  slack.setUserGroup('S0CALM', ['U0CALM']);
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
    // The full diagnosis names the cause: the disk playbook's (a slow disk, or at one minute in, a stall), on etcd-2.
    const diagnosis = JSON.parse((await store.thread(warning.id)).diagnosis!) as Diagnosis;
    expect(diagnosis.causes[0]).toMatchObject({ playbook: 'disk', members: ['etcd-2'] });
    expect(parent!.text.startsWith(`👀 lab — ${diagnosis.causes[0]!.title} on etcd-2 since `)).toBe(true);
    expect(parent!.text).toContain(`since ${hhmm(Date.parse(warning.since))} UTC`);
    expect(parent!.text).toContain('no alert has fired yet');
    expect(JSON.stringify(parent!.blocks)).toContain('Re-run');
    expect(parent!.metadata?.event_payload['key']).toBe(`watch.${warning.id}`);
    const [details] = slack.threadReplies(LAB, parent!.ts);
    expect(details!.text).toContain(diagnosis.causes[0]!.title);
    expect(JSON.stringify(details!.blocks)).toContain('What the watch saw arriving');
    // The charts follow the text in the thread, as in the other threads.
    await waitFor('the chart', () => slack.uploadedFiles(LAB).some((f) => f.thread_ts === parent!.ts && f.filename.endsWith('.png')), 60_000, 250);

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

  it('/etcd status answers from Redis with one line per cluster the user may see', async () => {
    const url = `${bot.url}/slack/commands`;
    const ask = async (text: string, user: string, channel = FLEET): Promise<string> => {
      const res = await sendSlashCommand(url, SECRET, { text, channel_id: channel, channel_name: 'fleet', user_id: user });
      expect(res.status).toBe(200);
      return (res.json as { text?: string }).text ?? '';
    };
    const queriesBefore = slack.callsOf('chat.postMessage').length;
    const alice = (await ask('status all', 'U0ALICE')).split('\n');
    // calm asks for user group S0CALM: alice is not in it and sees nothing of it.
    expect(alice).toHaveLength(3);
    expect(alice[0]).toContain('*Status*');
    expect(alice[1]).toMatch(/^🟠 \*lab\* {2}(disk|disk or cpu) on etcd-2 · leader etcd-\d · .* · db .* · 1 warning open \(warning since \d\d:\d\d UTC\)$/);
    expect(alice[2]).toBe('⚪ *unwatched*  not watched');
    expect(alice.join('\n')).not.toContain('calm');
    const member = (await ask('status', 'U0CALM')).split('\n');
    expect(member).toHaveLength(4);
    expect(member[1]).toMatch(/^✅ \*calm\* {2}ok · leader etcd-\d · .* · db .+\/.+ \(\d+%\)/);
    expect(await ask('status calm', 'U0ALICE')).toContain('⛔');
    expect(await ask('status nosuch', 'U0ALICE')).toContain('Unknown cluster');
    expect(await ask('status all', 'U0ALICE', 'C0NOWHERE')).toContain('This channel may not query any cluster');
    // Answers are ephemeral, in the command's response: nothing was posted in any channel.
    expect(slack.callsOf('chat.postMessage').length).toBe(queriesBefore);
  }, 60_000);

  it('opening the app Home tab publishes the same lines for the clusters the user may see', async () => {
    const open = async (user: string): Promise<void> => {
      const body = JSON.stringify({
        type: 'event_callback',
        team_id: 'T0STANDIN',
        api_app_id: 'A0ETCD',
        event_id: `Ev${user}${Date.now()}`,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: `${Date.now() / 1000}` },
      });
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(`${bot.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
        body,
      });
      expect(res.status).toBe(200);
    };
    const published = (user: string): string[] => {
      const call = slack.okCallsOf('views.publish').filter((c) => c.args['user_id'] === user).at(-1);
      if (call === undefined) return [];
      const view = JSON.parse(String(call.args['view'])) as { blocks: { type: string; text?: { text: string } }[] };
      return view.blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);
    };
    await open('U0ALICE');
    await open('U0CALM');
    await waitFor('both Home tabs', () => published('U0ALICE').length > 0 && published('U0CALM').length > 0, 30_000, 200);
    const alice = published('U0ALICE');
    expect(alice).toHaveLength(2);
    expect(alice[0]).toMatch(/^🟠 \*lab\* {2}.* \(warning since \d\d:\d\d UTC\)$/);
    expect(alice[1]).toBe('⚪ *unwatched*  not watched');
    expect(published('U0CALM').map((l) => l.split('  ')[0])).toEqual(['✅ *calm*', '🟠 *lab*', '⚪ *unwatched*']);
  }, 60_000);

  it('an alert firing while the warning is open links to the warning thread, and the warning thread links back', async () => {
    // The slow-gRPC alert Alertmanager sent during the recording, as if it fired now.
    const body = structuredClone(disk.alerts[0]!);
    for (const a of body.alerts) a.startsAt = new Date().toISOString();
    const res = await fetch(`${bot.url}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    await waitFor('the alert thread', () => parents(ALERTS).length === 1, 60_000, 200);
    const alertParent = parents(ALERTS)[0]!;
    await waitFor('the link in the alert thread', () => slack.threadReplies(ALERTS, alertParent.ts).some((r) => r.text.startsWith('👀 The watch saw this coming')), 30_000, 200);
    const [warningParent] = parents(LAB);
    const link = slack.threadReplies(ALERTS, alertParent.ts).find((r) => r.text.startsWith('👀 The watch saw this coming'))!;
    expect(JSON.stringify(link.blocks)).toContain(`https://standin.slack.com/archives/${LAB}/p${warningParent!.ts.replace('.', '')}`);
    expect(link.text).toContain('etcd-2');
    // Back in the warning thread (at its next tick): a reply with the alert thread's link, and the parent says an alert fired.
    await waitFor('the link back', () => slack.threadReplies(LAB, warningParent!.ts).some((r) => r.text.startsWith('🔔 Alertmanager fired etcdGRPCRequestsSlow')), 60_000, 200);
    const back = slack.threadReplies(LAB, warningParent!.ts).find((r) => r.text.startsWith('🔔 Alertmanager fired'))!;
    expect(JSON.stringify(back.blocks)).toContain(`https://standin.slack.com/archives/${ALERTS}/p${alertParent.ts.replace('.', '')}`);
    await waitFor('the parent edit', () => slack.messages(LAB).find((m) => m.ts === warningParent!.ts)!.text.includes('an alert fired while this was open'), 30_000, 200);
    expect(slack.messages(LAB).find((m) => m.ts === warningParent!.ts)!.text).not.toContain('no alert has fired yet');
    expect(parents(LAB)).toHaveLength(1);
    expect(slack.threadReplies(ALERTS, alertParent.ts).filter((r) => r.text.startsWith('👀'))).toHaveLength(1);
  }, 120_000);

  it('after a sustained recovery the parent says "recovered after N min" and one reply says so', async () => {
    proxy.use(healthy.url);
    const [parent] = parents(LAB);
    await waitFor('the recovery edit', () => slack.messages(LAB).find((m) => m.ts === parent!.ts)!.text.includes('recovered after'), 120_000, 500);
    const edited = slack.messages(LAB).find((m) => m.ts === parent!.ts)!;
    expect(edited.text).toMatch(/^✅ lab — recovered after \d+ min: [^:]+ on etcd-2 \(from \d\d:\d\d UTC to \d\d:\d\d UTC\)/);
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
