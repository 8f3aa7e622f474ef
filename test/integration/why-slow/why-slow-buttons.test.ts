import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import { SlackStandin, type RecordedCall, type StoredMessage } from '../../support/slack-standin.js';
import { sendInteraction, sendSlashCommand } from '../../support/slack-sign.js';
import { clickPayload, elementsOf, freshActionTs } from '../../support/slack-buttons.js';
import { startRedis } from '../../support/redis.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { startTestBot } from '../../support/test-bot.js';

/**
 * The buttons under a why-slow verdict, pressed with signed block_actions payloads into the real Bolt
 * receiver: a real Redis and BullMQ, a real Prometheus serving a recorded slow-disk incident, and the
 * Slack stand-in. Answers to the clicker are ephemeral (response_url); diagnoses land in the thread.
 */
const SECRET = 'test-signing-secret';
const CHANNEL = 'C0ONCALL';
const EXTERNAL = 'https://prometheus.example.com/';

let redis: RunningProcess & { url: string };
let prom: LoadedScenario;
let slack: SlackStandin;
let bot: RunningServices;
let actionsUrl: string;
let labParent: StoredMessage;
let plainParent: StoredMessage;

async function diagnoseOnce(cluster: string): Promise<StoredMessage> {
  const before = new Set(slack.history(CHANNEL).map((m) => m.ts));
  await sendSlashCommand(`${bot.url}/slack/commands`, SECRET, { text: `why-slow ${cluster} 5m`, channel_id: CHANNEL, channel_name: 'etcd-oncall' });
  let parent: StoredMessage | undefined;
  await waitFor(`${cluster} verdict with buttons`, () => {
    parent = slack
      .history(CHANNEL)
      .find((m) => !before.has(m.ts) && m.text.startsWith(`${cluster}:`) && elementsOf(m).has('etcd_rerun') && slack.threadReplies(CHANNEL, m.ts).length === 1);
    return parent !== undefined;
  }, 30_000);
  return parent!;
}

beforeAll(async () => {
  [redis, prom, slack] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  slack.setUserGroup('S0ONCALL', ['U0BOB']);
  bot = await startTestBot({
    config: `
clusters:
  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 2000, externalUrl: "${EXTERNAL}" }
    selector: { job: etcd }
    slack: { channels: ["${CHANNEL}"] }
  plain:
    prometheus: { url: "${prom.url}", timeoutMs: 2000 }
    selector: { job: etcd }
    slack: { channels: ["${CHANNEL}"] }
  guarded:
    prometheus: { url: "${prom.url}" }
    selector: { job: etcd }
    slack: { channels: ["${CHANNEL}"], userGroups: [S0ONCALL] }
jobs: { dedupeSeconds: 30, attempts: 2, concurrency: 2 }
`,
    name: 'test.yaml',
    slack,
    redisUrl: redis.url,
    signingSecret: SECRET,
    prefix: `b${Date.now()}`,
  });
  actionsUrl = `${bot.url}/slack/actions`;
  [labParent, plainParent] = await Promise.all([diagnoseOnce('lab'), diagnoseOnce('plain')]);
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

let answers = 0;
/** Sends the click and waits for the ephemeral answer to it. */
async function click(payload: (responseUrl: string) => Record<string, unknown>): Promise<RecordedCall> {
  const id = `a${++answers}`;
  const res = await sendInteraction(actionsUrl, SECRET, payload(slack.responseUrl(id)));
  expect(res.status).toBe(200);
  return slack.waitForCall((c) => c.method === 'response_url' && c.args['_id'] === id, 15_000);
}
const answerText = (c: RecordedCall): string => `${String(c.args['text'])}\n${JSON.stringify(c.args['blocks'] ?? [])}`;
const jobCount = async (): Promise<number> => {
  const c = await bot.queue!.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  return Object.values(c).reduce((a, b) => a + b, 0);
};
const thread = (p: StoredMessage): StoredMessage[] => slack.threadReplies(CHANNEL, p.ts);
const actionsOnTimeline = async (cluster: string): Promise<Array<{ action: string; user: string }>> => {
  const read = await bot.timeline!.between(cluster, Date.now() - 3600_000, Date.now() + 1000);
  return read.events.flatMap((e) => (e.kind === 'action' ? [{ action: e.action, user: e.user }] : []));
};

describe('buttons under a why-slow verdict', () => {
  it('the verdict carries Re-run, Widen window and Show queries', () => {
    expect([...elementsOf(labParent).keys()]).toEqual(['etcd_rerun', 'etcd_widen', 'etcd_show_queries']);
  });

  it('Re-run diagnoses the same cluster and window again, as a new reply in the same thread, once per click', async () => {
    const jobsBefore = await jobCount();
    const topBefore = slack.history(CHANNEL).length;
    const actionTs = freshActionTs();
    // Slack delivering the same click twice: same action_ts, user and button.
    const [a] = await Promise.all([
      click((url) => clickPayload(labParent, 'etcd_rerun', { channel: CHANNEL, responseUrl: url, actionTs })),
      sendInteraction(actionsUrl, SECRET, clickPayload(labParent, 'etcd_rerun', { channel: CHANNEL, responseUrl: slack.responseUrl('dup'), actionTs })),
    ]);
    expect(answerText(a)).toContain('Diagnosing *lab* again over the last 5m, ending now');
    expect(a.args['response_type']).toBe('ephemeral');

    await waitFor('the re-run verdict and its details in the thread', () => thread(labParent).length >= 3, 30_000);
    const replies = thread(labParent);
    const rerunReply = replies.find((r) => r.history[0] !== undefined && /queued/.test(r.history[0]))!;
    expect(rerunReply).toBeDefined();
    expect(rerunReply.text).toMatch(new RegExp(`Slow disk on ${prom.meta.fault.member!}`));
    expect(JSON.stringify(rerunReply.blocks)).toContain('last 5m');
    expect(elementsOf(rerunReply).has('etcd_rerun')).toBe(true);
    // The earlier verdict stays as it was; nothing new at the top of the channel; one job, one answer.
    expect(slack.message(CHANNEL, labParent.ts)!.text).toBe(labParent.text);
    expect(slack.history(CHANNEL)).toHaveLength(topBefore);
    expect((await jobCount()) - jobsBefore).toBe(1);
    expect(slack.responseUrlPosts('dup')).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(thread(labParent)).toHaveLength(3);
    expect(await actionsOnTimeline('lab')).toContainEqual({ action: 'rerun', user: 'U0ALICE' });
  });

  it('Widen window looks four times as far back, in the same thread', async () => {
    const before = thread(plainParent).length;
    const a = await click((url) => clickPayload(plainParent, 'etcd_widen', { channel: CHANNEL, responseUrl: url }));
    expect(answerText(a)).toContain('Diagnosing *plain* again over the last 20m');
    await waitFor('the widened verdict in the thread', () => thread(plainParent).length >= before + 2, 30_000);
    const widened = thread(plainParent).find((r) => elementsOf(r).has('etcd_rerun'))!;
    expect(JSON.stringify(widened.blocks)).toContain('last 20m');
    const widenValue = JSON.parse(String(elementsOf(widened).get('etcd_widen')!.value)) as { w: number };
    expect(widenValue.w).toBe(1200);
  });

  it('Show queries lists every query with its result and a link to its graph on the browser-facing Prometheus', async () => {
    const a = await click((url) => clickPayload(labParent, 'etcd_show_queries', { channel: CHANNEL, responseUrl: url }));
    expect(a.args['response_type']).toBe('ephemeral');
    const text = answerText(a);
    expect(text).toMatch(/Queries behind this diagnosis of lab\* — \d+ queries/);
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds');
    // The slow member's fsync is the highest value of its query, and the result line says so.
    expect(text).toContain(`on ${prom.meta.fault.member!}`);
    const links = [...text.matchAll(/<(https:\/\/prometheus\.example\.com\/graph\?[^|>]+)\|graph>/g)].map((m) => new URL(m[1]!.replace(/&amp;/g, '&')));
    expect(links.length).toBeGreaterThan(5);
    expect(links.some((u) => (u.searchParams.get('g0.expr') ?? '').includes('etcd_disk_wal_fsync_duration_seconds_bucket'))).toBe(true);
    expect(text).not.toContain(prom.url);
    expect(await actionsOnTimeline('lab')).toContainEqual({ action: 'show-queries', user: 'U0ALICE' });
  });

  it('Show queries without prometheus.externalUrl says so instead of linking the address the bot queries', async () => {
    const a = await click((url) => clickPayload(plainParent, 'etcd_show_queries', { channel: CHANNEL, responseUrl: url }));
    const text = answerText(a);
    expect(text).toContain('No graph links');
    expect(text).toContain('clusters.plain.prometheus.externalUrl');
    expect(text).not.toContain('/graph?');
    expect(text).not.toContain(prom.url);
  });

  it('an expired query record gets its own answer', async () => {
    const forged = JSON.stringify({ c: 'lab', w: 300, q: 'expired-job-id' });
    const a = await click((url) => clickPayload(labParent, 'etcd_show_queries', { channel: CHANNEL, responseUrl: url, value: forged }));
    expect(answerText(a)).toContain('no longer kept (they are kept 7 days)');
  });

  describe('refusals change nothing', () => {
    /** The refused clicks on a cluster's timeline: which button, by whom, why. */
    const refusalsOnTimeline = async (cluster: string): Promise<Array<{ action: string; user: string; refused: string }>> => {
      const read = await bot.timeline!.between(cluster, Date.now() - 3600_000, Date.now() + 1000);
      return read.events.flatMap((e) => (e.kind === 'action' && e.refused !== undefined ? [{ action: e.action, user: e.user, refused: e.refused }] : []));
    };
    const refused = async (
      payload: (url: string) => Record<string, unknown>,
      expected: string,
      recorded?: { cluster: string; action: string; user: string; refused: string },
    ): Promise<void> => {
      const jobs = await jobCount();
      const messages = slack.okCallsOf('chat.postMessage').length;
      const before = recorded === undefined ? [] : await refusalsOnTimeline(recorded.cluster);
      const a = await click(payload);
      expect(answerText(a)).toContain(expected);
      expect(answerText(a)).toContain('Nothing was done');
      expect(await jobCount()).toBe(jobs);
      expect(slack.okCallsOf('chat.postMessage')).toHaveLength(messages);
      if (recorded !== undefined) {
        // One more refusal on the cluster's timeline, and no action recorded as done.
        const { cluster, ...event } = recorded;
        const after = await refusalsOnTimeline(cluster);
        expect(after).toHaveLength(before.length + 1);
        expect(after).toContainEqual(event);
      }
    };

    it('from a channel not allowed for the cluster', () =>
      refused((url) => clickPayload(labParent, 'etcd_rerun', { channel: 'C0ELSEWHERE', channelName: 'random', responseUrl: url }), 'cannot be acted on from this channel', {
        cluster: 'lab', action: 'rerun', user: 'U0ALICE', refused: 'channel-not-allowed',
      }));

    it('by a user outside the cluster’s user groups', () =>
      refused(
        (url) => clickPayload(labParent, 'etcd_rerun', { channel: CHANNEL, responseUrl: url, value: JSON.stringify({ c: 'guarded', w: 300 }) }),
        'Only members of <!subteam^S0ONCALL> may act on *guarded*',
        { cluster: 'guarded', action: 'rerun', user: 'U0ALICE', refused: 'not-in-user-group' },
      ));

    it('on a message whose cluster is no longer in the config', () =>
      refused(
        (url) => clickPayload(labParent, 'etcd_widen', { channel: CHANNEL, responseUrl: url, value: JSON.stringify({ c: 'retired', w: 300 }) }),
        'Cluster *retired* is no longer in the etcd-triage config',
        { cluster: 'retired', action: 'widen', user: 'U0ALICE', refused: 'cluster-gone' },
      ));

    it('with a value that cannot be read', () =>
      refused((url) => clickPayload(labParent, 'etcd_rerun', { channel: CHANNEL, responseUrl: url, value: '{"w":' }), 'could not be read'));
  });

  it('a member of the user group may act on the guarded cluster', async () => {
    const a = await click((url) =>
      clickPayload(labParent, 'etcd_widen', { channel: CHANNEL, responseUrl: url, user: { id: 'U0BOB', name: 'bob' }, value: JSON.stringify({ c: 'guarded', w: 86400 }) }),
    );
    // Already a day wide: allowed, but there is nothing wider to look at.
    expect(answerText(a)).toContain('already looks at the last 24h, the widest window offered');
  });
});
