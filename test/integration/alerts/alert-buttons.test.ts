import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningServices } from '../../../src/cli/run/services.js';
import { silenceSchema } from '../../../src/handoff/silences.js';
import { createSilence } from '../../../src/sources/alertmanager/silence-api.js';
import { updateGroup } from '../../../src/ingress/slack/actions/alert-group.js';
import { AlertFollowUps, type DeliveryJobData } from '../../../src/jobs/alerts/queues.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { IncidentStore } from '../../../src/incidents/alerts/incident-store.js';
import { redisConnection, redisKeyPrefix } from '../../../src/jobs/redis.js';
import { startAlertBot } from '../../support/test-bot.js';
import { startAlertmanager, type RunningAlertmanager, type TestAlert } from '../../support/alertmanager.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { freePort, refusedUrl, waitFor, type RefusedUrl, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { clickPayload, elementsOf, freshActionTs } from '../../support/slack-buttons.js';
import { sendInteraction } from '../../support/slack-sign.js';
import { SlackStandin, type RecordedCall, type StoredMessage } from '../../support/slack-standin.js';
import { alertGroup, messageText } from '../../support/triage-stack.js';

/**
 * The buttons of an alert thread with real parts: a real Alertmanager posts its groups to the bot and
 * receives the silences the Silence menu creates, a real Prometheus serves the recorded slow-disk
 * incident, a real Redis holds the group state. Clicks are signed block_actions payloads built from the
 * parent message as the Slack stand-in stored it.
 */
const SECRET = 'unused-signing-secret'; // what startAlertBot configures as the signing secret
const TOKEN = 'alert-buttons-webhook-token';
const CHANNEL = 'C0ALERTS';

let redis: RunningProcess & { url: string };
let prom: LoadedScenario;
let slack: SlackStandin;
let am: RunningAlertmanager;
let bot: RunningServices;
let actionsUrl: string;
let amDown: RefusedUrl;
const prefix = `ab${Date.now()}`;

beforeAll(async () => {
  const [botPort, closed] = await Promise.all([freePort(), refusedUrl()]);
  amDown = closed;
  [redis, prom, slack, am] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
    startAlertmanager({ webhookUrl: `http://127.0.0.1:${botPort}/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' }),
  ]);
  const job = prom.meta.prometheus.etcdJob;
  const cluster = (name: string, amUrl: string): string => `  ${name}:
    prometheus: { url: "${prom.url}", timeoutMs: 2000 }
    selector: { job: ${job} }
    slack: { channels: [${CHANNEL}] }
    alerts: { channel: ${CHANNEL}, match: { job: etcd-${name} } }
    alertmanagerApiUrl: "${amUrl}"
`;
  bot = await startAlertBot({
    config: `
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  fallbackChannel: C0FALLBACK
clusters:
${cluster('lab', am.url)}${cluster('amdown', amDown.url)}${cluster('notam', prom.url)}`,
    name: 'alert-buttons.yaml',
    slack,
    redisUrl: redis.url,
    webhookToken: TOKEN,
    port: botPort,
    prefix,
  });
  actionsUrl = `${bot.url}/slack/actions`;
}, 120_000);

afterAll(async () => {
  await am?.stop();
  await bot?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop(), amDown?.close()]);
});

/** Fires one group through Alertmanager and waits for its parent with the triage done. */
async function firedGroup(alertname: string, cluster: string): Promise<{ alerts: TestAlert[]; parent: () => StoredMessage }> {
  const alerts = alertGroup(alertname, `etcd-${cluster}`, 2);
  await am.push(alerts);
  const parent = (): StoredMessage => slack.history(CHANNEL).find((m) => m.text.includes(alertname))!;
  await waitFor(`${alertname} parent with its triage and buttons`, () => {
    const p = slack.history(CHANNEL).find((m) => m.text.includes(alertname));
    return p !== undefined && elementsOf(p).has('etcd_show_queries') && elementsOf(p).has('etcd_silence');
  }, 30_000);
  return { alerts, parent };
}

let answers = 0;
async function click(payload: (responseUrl: string) => Record<string, unknown>): Promise<RecordedCall> {
  const id = `a${++answers}`;
  const res = await sendInteraction(actionsUrl, SECRET, payload(slack.responseUrl(id)));
  expect(res.status).toBe(200);
  return slack.waitForCall((c) => c.method === 'response_url' && c.args['_id'] === id, 15_000);
}
const answerText = (c: RecordedCall): string => `${String(c.args['text'])}\n${JSON.stringify(c.args['blocks'] ?? [])}`;

async function silencesInAlertmanager(): Promise<Array<z.infer<typeof silenceSchema>>> {
  const res = await fetch(`${am.url}/api/v2/silences`);
  return z.array(silenceSchema).parse(await res.json());
}

/** The Silence menu's option for `hours`, as posted. */
function silenceOption(p: StoredMessage, hours: number): string {
  const opts = elementsOf(p).get('etcd_silence')!.options!;
  const o = opts.find((x) => (JSON.parse(x.value) as { h: number }).h === hours);
  if (o === undefined) throw new Error(`no ${hours} h option in ${opts.map((x) => x.text.text).join(', ')}`);
  return o.value;
}

const utcMinute = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

describe('Silence and Expire now in an alert thread', () => {
  it('creates one silence in Alertmanager for the group, by the clicking user, and the parent shows it', async () => {
    const { alerts, parent } = await firedGroup('EtcdSilenceMe', 'lab');
    const before = (await silencesInAlertmanager()).length;
    const actionTs = freshActionTs();
    const clickedAt = Date.now();
    // The same click delivered twice.
    const payload = (url: string): Record<string, unknown> => clickPayload(parent(), 'etcd_silence', { channel: CHANNEL, responseUrl: url, actionTs, selected: silenceOption(parent(), 2) });
    const [a] = await Promise.all([click(payload), sendInteraction(actionsUrl, SECRET, payload(slack.responseUrl('dup')))]);
    expect(answerText(a)).toContain('Silenced {alertname="EtcdSilenceMe", job="etcd-lab"} for 2 h');

    const all = await silencesInAlertmanager();
    expect(all).toHaveLength(before + 1);
    const s = all.find((x) => x.matchers.some((m) => m.value === 'EtcdSilenceMe'))!;
    expect(s.status.state).toBe('active');
    expect(s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual }))).toEqual([
      { name: 'alertname', value: 'EtcdSilenceMe', isRegex: false, isEqual: true },
      { name: 'job', value: 'etcd-lab', isRegex: false, isEqual: true },
    ]);
    expect(s.createdBy).toBe('alice');
    expect(Math.abs(Date.parse(s.endsAt) - (clickedAt + 2 * 3600_000))).toBeLessThan(60_000);
    expect(s.comment).toContain(`https://standin.slack.com/archives/${CHANNEL}/p${parent().ts.replace('.', '')}`);
    expect(slack.responseUrlPosts('dup')).toHaveLength(0);

    await waitFor('the parent showing the silence', () => messageText(parent()).includes('silenced by <@U0ALICE>'), 15_000);
    expect(messageText(parent())).toContain(`silenced by <@U0ALICE> until ${s.endsAt.slice(0, 10)} ${utcMinute(Date.parse(s.endsAt))} UTC`);
    expect(elementsOf(parent()).has('etcd_expire_silence')).toBe(true);
    expect(elementsOf(parent()).has('etcd_silence')).toBe(false);
    // Still one thread for the group, its alerts listed as before.
    expect(slack.history(CHANNEL).filter((m) => m.text.includes('EtcdSilenceMe'))).toHaveLength(1);
    for (const x of alerts) expect(messageText(parent())).toContain(x.labels['instance']!);
    const timeline = await bot.timeline!.between('lab', Date.now() - 3600_000, Date.now() + 1000);
    expect(timeline.events).toContainEqual(expect.objectContaining({ kind: 'action', action: 'silence', ref: s.id, user: 'U0ALICE' }));
    // The parent's edit at the silence's end is queued (by the delivery that showed it), for just after it.
    const conn = redisConnection(redis.url, 'test');
    const followUps = new AlertFollowUps(conn, prefix);
    try {
      const atEnd = async (): Promise<Array<{ timestamp: number; delay: number }>> =>
        (await followUps.delivery.getDelayed()).filter((j) => j.id?.endsWith(`-at${Date.parse(s.endsAt) + 1000}`));
      await waitFor('the edit at the silence end queued', async () => (await atEnd()).length > 0, 10_000);
      const delayed = await atEnd();
      expect(delayed).toHaveLength(1);
      expect(Math.abs(delayed[0]!.timestamp + delayed[0]!.delay - Date.parse(s.endsAt))).toBeLessThan(5000);
    } finally {
      await followUps.close();
      conn.disconnect();
    }

    // Expire now: the silence ends in Alertmanager and the parent offers Silence again.
    const e = await click((url) => clickPayload(parent(), 'etcd_expire_silence', { channel: CHANNEL, responseUrl: url }));
    expect(answerText(e)).toContain(`Silence \`${s.id}\` expired`);
    const after = (await silencesInAlertmanager()).find((x) => x.id === s.id)!;
    expect(after.status.state).toBe('expired');
    await waitFor('the parent without the silence', () => !messageText(parent()).includes('silenced by'), 15_000);
    expect(elementsOf(parent()).has('etcd_silence')).toBe(true);
    expect(elementsOf(parent()).has('etcd_expire_silence')).toBe(false);
  });

  it('Expire now on a silence that has already ended updates the thread without asking Alertmanager', async () => {
    const { parent } = await firedGroup('EtcdLongAgo', 'lab');
    await click((url) => clickPayload(parent(), 'etcd_silence', { channel: CHANNEL, responseUrl: url, selected: silenceOption(parent(), 1) }));
    await waitFor('the parent showing the silence', () => elementsOf(parent()).has('etcd_expire_silence'), 15_000);
    const { g, s: id } = JSON.parse(String(elementsOf(parent()).get('etcd_expire_silence')!.value)) as { g: string; s: string };
    // The hour passes: Alertmanager ends the silence (expired here through its API), the thread still shows it.
    expect((await fetch(`${am.url}/api/v2/silence/${id}`, { method: 'DELETE' })).ok).toBe(true);
    const conn = redisConnection(redis.url, 'test');
    try {
      const store = new IncidentStore(conn, { prefix: redisKeyPrefix(redis.url, prefix), historyDays: 1 });
      const state = (await store.group(g))!;
      await store.commit({ ...state, silence: { ...state.silence!, endsAt: new Date(Date.now() - 60_000).toISOString() } }, { events: [], replies: [] });
    } finally {
      conn.disconnect();
    }
    const e = await click((url) => clickPayload(parent(), 'etcd_expire_silence', { channel: CHANNEL, responseUrl: url }));
    // Not "expired" by this click: the bot saw that it had ended and did not ask Alertmanager.
    expect(answerText(e)).toContain(`Silence \`${id}\` had already ended`);
    await waitFor('the parent offering Silence again', () => elementsOf(parent()).has('etcd_silence'), 15_000);
    expect(messageText(parent())).not.toContain('silenced by');
  });

  it('a silence that ends: the parent says when it ended and offers Silence again, without a click or a change', async () => {
    const { parent } = await firedGroup('EtcdShortSilence', 'lab');
    const { g } = JSON.parse(silenceOption(parent(), 1)) as { g: string };
    // A silence of seconds, created in Alertmanager through the same API call as the button's, and
    // stored on the group the way the button stores it (the menu offers hours, too long for a test).
    const endsAt = new Date(Date.now() + 12_000).toISOString();
    const id = await createSilence(am.url, {
      matchers: [
        { name: 'alertname', value: 'EtcdShortSilence', isRegex: false, isEqual: true },
        { name: 'job', value: 'etcd-lab', isRegex: false, isEqual: true },
      ],
      startsAt: new Date().toISOString(),
      endsAt,
      createdBy: 'alice',
      comment: 'short silence',
    });
    const conn = redisConnection(redis.url, 'test');
    const followUps = new AlertFollowUps(conn, prefix);
    try {
      const store = new IncidentStore(conn, { prefix: redisKeyPrefix(redis.url, prefix), historyDays: 1 });
      const alertThreads = { store, requestDelivery: (d: DeliveryJobData) => followUps.requestDelivery(d) };
      await updateGroup(alertThreads, g, (state) => ({ ...state, silence: { id, by: 'U0ALICE', endsAt } }), createLogger('silent'));
    } finally {
      await followUps.close();
      conn.disconnect();
    }
    await waitFor('the parent showing the silence, and the triage in the thread', () =>
      messageText(parent()).includes('silenced by <@U0ALICE>') && slack.threadReplies(CHANNEL, parent().ts).some((r) => /Triage/.test(r.text)), 15_000);
    expect(Date.now()).toBeLessThan(Date.parse(endsAt));
    expect(elementsOf(parent()).has('etcd_expire_silence')).toBe(true);
    const replies = slack.threadReplies(CHANNEL, parent().ts).length;

    // Nothing changes in the group any more; the silence's end alone brings the parent up to date.
    await waitFor('the parent saying the silence ended', () => messageText(parent()).includes('ended at'), 25_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(endsAt));
    expect(messageText(parent())).toContain(`silence by <@U0ALICE> ended at ${endsAt.slice(0, 10)} ${utcMinute(Date.parse(endsAt))} UTC`);
    expect(messageText(parent())).not.toContain('silenced by');
    expect(elementsOf(parent()).has('etcd_silence')).toBe(true);
    expect(elementsOf(parent()).has('etcd_expire_silence')).toBe(false);
    expect(slack.threadReplies(CHANNEL, parent().ts)).toHaveLength(replies);
    expect((await silencesInAlertmanager()).find((x) => x.id === id)!.status.state).toBe('expired');
  });

  const refusedSilence = async (alertname: string, cluster: string, expected: RegExp): Promise<void> => {
    const { parent } = await firedGroup(alertname, cluster);
    const silences = (await silencesInAlertmanager()).length;
    const edits = slack.updatesOf(CHANNEL, parent().ts).length;
    const shown = messageText(parent());
    const a = await click((url) => clickPayload(parent(), 'etcd_silence', { channel: CHANNEL, responseUrl: url, selected: silenceOption(parent(), 1) }));
    expect(answerText(a)).toMatch(expected);
    expect(answerText(a)).toContain('No silence was created; the thread is unchanged');
    await new Promise((r) => setTimeout(r, 1500));
    expect(slack.updatesOf(CHANNEL, parent().ts)).toHaveLength(edits);
    expect(messageText(parent())).toBe(shown);
    expect(await silencesInAlertmanager()).toHaveLength(silences);
    // The refusal is on the cluster's timeline, against the group, and nothing as done.
    const { g } = JSON.parse(silenceOption(parent(), 1)) as { g: string };
    const timeline = await bot.timeline!.between(cluster, Date.now() - 3600_000, Date.now() + 1000);
    const clicks = timeline.events.filter((e) => e.kind === 'action' && e.ref === g);
    expect(clicks).toEqual([expect.objectContaining({ kind: 'action', action: 'silence', user: 'U0ALICE', refused: 'alertmanager-refused' })]);
  };

  it('an Alertmanager that cannot be reached: a specific answer, and the parent unchanged', () =>
    refusedSilence('EtcdAmDown', 'amdown', /Alertmanager at http:\/\/127\.0\.0\.2:\d+ could not be reached/));

  it('a URL that refuses the silence (not an Alertmanager): the HTTP status in the answer, and the parent unchanged', () =>
    refusedSilence('EtcdNotAm', 'notam', /Alertmanager at http:\/\/127\.0\.0\.1:\d+ answered HTTP 4\d\d/));

  it('a click from a channel not allowed for the cluster, or for a cluster no longer configured, silences nothing', async () => {
    const { parent } = await firedGroup('EtcdNotYours', 'lab');
    const silences = (await silencesInAlertmanager()).length;
    const elsewhere = await click((url) =>
      clickPayload(parent(), 'etcd_silence', { channel: 'C0RANDOM', channelName: 'random', responseUrl: url, selected: silenceOption(parent(), 1) }),
    );
    expect(answerText(elsewhere)).toContain('cannot be acted on from this channel. Nothing was done.');
    const { g } = JSON.parse(silenceOption(parent(), 1)) as { g: string };
    const retired = await click((url) =>
      clickPayload(parent(), 'etcd_silence', { channel: CHANNEL, responseUrl: url, selected: JSON.stringify({ c: 'retired', g, h: 1 }) }),
    );
    expect(answerText(retired)).toContain('Cluster *retired* is no longer in the etcd-triage config');
    const refusals = async (cluster: string): Promise<unknown[]> =>
      (await bot.timeline!.between(cluster, Date.now() - 3600_000, Date.now() + 1000)).events.filter((e) => e.kind === 'action' && e.ref === parent().ts);
    expect(await refusals('lab')).toEqual([expect.objectContaining({ action: 'silence', user: 'U0ALICE', refused: 'channel-not-allowed' })]);
    expect(await refusals('retired')).toEqual([expect.objectContaining({ action: 'silence', user: 'U0ALICE', refused: 'cluster-gone' })]);
    expect(await silencesInAlertmanager()).toHaveLength(silences);
    expect(messageText(parent())).not.toContain('silenced by');
  });
});

describe('Re-run and Show queries in an alert thread', () => {
  it('Re-run answers in the alert thread with a fresh verdict over the triage window', async () => {
    const { parent } = await firedGroup('EtcdRerunMe', 'lab');
    const top = slack.history(CHANNEL).length;
    const before = slack.threadReplies(CHANNEL, parent().ts).length;
    const a = await click((url) => clickPayload(parent(), 'etcd_rerun', { channel: CHANNEL, responseUrl: url }));
    expect(answerText(a)).toContain('Diagnosing *lab* again over the last 15m');
    await waitFor('the re-run verdict in the alert thread', () => slack.threadReplies(CHANNEL, parent().ts).some((r) => elementsOf(r).has('etcd_rerun')), 30_000);
    const verdict = slack.threadReplies(CHANNEL, parent().ts).find((r) => elementsOf(r).has('etcd_rerun'))!;
    expect(verdict.text).toMatch(new RegExp(`Slow disk on ${prom.meta.fault.member!}`));
    expect(JSON.stringify(verdict.blocks)).toContain('last 15m');
    await waitFor('its details', () => slack.threadReplies(CHANNEL, parent().ts).length >= before + 2, 30_000);
    expect(slack.history(CHANNEL)).toHaveLength(top);
  });

  it('Show queries lists the triage’s queries, and says that no browser link is configured', async () => {
    const { parent } = await firedGroup('EtcdShowMe', 'lab');
    const a = await click((url) => clickPayload(parent(), 'etcd_show_queries', { channel: CHANNEL, responseUrl: url }));
    const text = answerText(a);
    expect(text).toContain('Queries behind this diagnosis of lab');
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds_bucket');
    expect(text).toContain(`on ${prom.meta.fault.member!}`);
    expect(text).toContain('No graph links');
  });
});
