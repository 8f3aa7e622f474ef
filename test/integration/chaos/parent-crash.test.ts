import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import { startAlertmanager, type RunningAlertmanager, type TestAlert } from '../../support/alertmanager.js';
import type { BotProcess } from '../../support/bot-processes.js';
import { startCrashStack, type CrashStack } from '../../support/crash-stack.js';
import type { LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor } from '../../support/processes.js';
import { sendSlashCommand } from '../../support/slack-sign.js';
import { metadataKeyOf, type SlackStandin, type StoredMessage } from '../../support/slack-standin.js';

/**
 * The worker process killed (SIGKILL) at the worst moment for a thread: Slack has accepted the parent
 * message, the worker has not read the answer, so Redis never learns its ts. The stand-in holds its
 * answer to that chat.postMessage while the test kills the real `etcd-triage worker` process; then a
 * new worker process starts. A real Redis, a real Alertmanager, a recorded incident in a real Prometheus
 * and the HTTP front (in this process) stay up throughout.
 */
const TOKEN = 'am-webhook-token';
const SECRET = 'chaos-signing-secret';
const ALERTS = 'C0CHAOSALERTS';
const ONCALL = 'C0CHAOSONCALL';
const HANDOFF = 'C0CHAOSHANDOFF';

let stack: CrashStack | undefined;
let prom: LoadedScenario;
let slack: SlackStandin;
let front: RunningServices;
let am: RunningAlertmanager;
let worker: BotProcess | undefined;

function configText(incident: LoadedScenario): string {
  return `
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  fallbackChannel: C0FALLBACK
clusters:
  lab:
    prometheus: { url: "${incident.url}", timeoutMs: 2000 }
    selector: { job: ${incident.meta.prometheus.etcdJob} }
    slack: { channels: ["${ONCALL}", "${ALERTS}", "${HANDOFF}"] }
    alerts: { channel: ${ALERTS} }
jobs: { dedupeSeconds: 5, attempts: 2, concurrency: 2, stalledSeconds: 5 }
`;
}

/** The real `etcd-triage worker` (its pid is the one killed). */
const startWorker = (): Promise<BotProcess> => stack!.startWorker();

async function killWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  await w?.kill();
}

async function stopWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  await w?.stop();
}

/**
 * Kills the worker once Slack has accepted the first top-level message in each of `channels`: after the
 * stand-in has stored the last of them and before any of their answers leaves (the earlier ones are held
 * until then), so the worker dies exactly between post and record for every one of them.
 */
function killOnParents(...channels: string[]): { killed: Promise<StoredMessage[]> } {
  const pending = new Set(channels);
  let release: () => void = () => undefined;
  const allIn = new Promise<void>((resolve) => (release = resolve));
  let done: (m: StoredMessage[]) => void = () => undefined;
  const killed = new Promise<StoredMessage[]>((resolve) => (done = resolve));
  const remove = slack.beforeAnswer('chat.postMessage', async ({ args, response }) => {
    const channel = String(args['channel']);
    if (!pending.has(channel) || args['thread_ts'] !== undefined || response['ok'] !== true) return;
    pending.delete(channel);
    if (pending.size > 0) return allIn;
    remove();
    await killWorker();
    done(channels.flatMap((c) => slack.history(c)));
    release();
  });
  return { killed };
}

beforeAll(async () => {
  stack = await startCrashStack({ configText, signingSecret: SECRET, webhookToken: TOKEN });
  ({ prom, slack, front } = stack);
  am = await startAlertmanager({ webhookUrl: `${front.url}/alertmanager`, token: TOKEN, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' });
}, 120_000);

afterAll(async () => {
  await stopWorker();
  await am?.stop();
  await stack?.stop();
});

const alertText = (m: StoredMessage): string => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
const isAlertReply = (args: Record<string, unknown>): boolean => /^alert\..*\.reply\.\d+$/.test(metadataKeyOf(args) ?? '');

describe('a worker killed between Slack accepting a parent and recording it', () => {
  it('alert thread: the restarted worker adopts the parent; one thread, complete, no alert lost', async () => {
    worker = await startWorker();
    const firstLog = worker;
    const labels = { alertname: 'etcdHighFsyncDurations', job: prom.meta.prometheus.etcdJob, severity: 'warning' };
    const a1: TestAlert = { labels: { ...labels, instance: prom.meta.fault.member! } };
    const a2: TestAlert = { labels: { ...labels, instance: '127.0.0.9:2379' } };
    const { killed } = killOnParents(ALERTS);
    await am.push([a1]);
    const atKill = await killed;
    expect(atKill).toHaveLength(1); // Slack has the parent; the worker died before it could record it
    const parent = atKill[0]!;

    // A second alert of the same group arrives while no worker runs: it must land in the same thread.
    await am.push([a1, a2]);
    worker = await startWorker();

    const complete = (p: StoredMessage): boolean => {
      const replies = slack.threadReplies(ALERTS, p.ts).map(alertText);
      return (
        alertText(p).includes('127.0.0.9:2379') &&
        replies.some((r) => /Triage of etcdHighFsyncDurations/.test(r)) &&
        replies.some((r) => /127\.0\.0\.9:2379/.test(r))
      );
    };
    await waitFor('a parent naming both alerts, with the triage and the new alert in its thread', () => slack.history(ALERTS).some(complete), 120_000, 200);
    // That thread is the one whose parent Slack accepted before the kill, and there is no other.
    expect(slack.history(ALERTS).map((m) => m.ts)).toEqual([parent.ts]);
    const shown = alertText(slack.message(ALERTS, parent.ts)!);
    expect(shown).toContain(prom.meta.fault.member!);
    expect(shown).toMatch(/FIRING/);
    // The new worker asked Slack for the parent by its key instead of posting a second one.
    const lookups = slack.okCallsOf('conversations.history').filter((c) => c.args['channel'] === ALERTS);
    expect(lookups.length).toBeGreaterThanOrEqual(1);
    expect(lookups[0]!.args['include_all_metadata']).toBe('true');
    expect(worker.log()).toMatch(/adopting it/);
    expect(firstLog.log()).not.toMatch(/alert thread opened/);
  }, 240_000);

  it('alert thread: killed right after Slack accepted a reply, the restarted worker adopts it; every reply once', async () => {
    if (worker === undefined) worker = await startWorker();
    let killedKey: string | undefined;
    const remove = slack.beforeAnswer('chat.postMessage', async ({ args, response }) => {
      if (killedKey !== undefined || response['ok'] !== true || args['channel'] !== ALERTS || !isAlertReply(args)) return;
      killedKey = metadataKeyOf(args);
      remove();
      await killWorker();
    });
    const labels = { alertname: 'etcdHighCommitDurations', job: prom.meta.prometheus.etcdJob, severity: 'warning' };
    const a1: TestAlert = { labels: { ...labels, instance: prom.meta.fault.member! } };
    const a2: TestAlert = { labels: { ...labels, instance: '127.0.0.8:2379' } };
    await am.push([a1]);
    await waitFor('the kill after a reply', () => killedKey !== undefined, 120_000, 200);
    // A change of the group while no worker runs: its reply must follow the adopted one, not repeat it.
    await am.push([a1, a2]);
    worker = await startWorker();
    const threadOf = (): StoredMessage | undefined => slack.history(ALERTS).find((p) => alertText(p).includes('etcdHighCommitDurations'));
    await waitFor('the new alert in the thread', () => {
      const p = threadOf();
      return p !== undefined && slack.threadReplies(ALERTS, p.ts).some((r) => /127\.0\.0\.8:2379/.test(alertText(r)));
    }, 120_000, 200);
    const keys = slack.okCallsOf('chat.postMessage').filter((c) => c.args['channel'] === ALERTS && isAlertReply(c.args)).map((c) => metadataKeyOf(c.args));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k === killedKey)).toHaveLength(1);
    // The restarted worker found the reply in the thread by its key instead of posting it again.
    expect(worker.log()).toMatch(/adopting it/);
  }, 240_000);

  it('why-slow and handoff: the restarted worker adopts both parents, edits them and threads their details', async () => {
    if (worker === undefined) worker = await startWorker();
    const { killed } = killOnParents(ONCALL, HANDOFF);
    const command = (text: string, channel: string) =>
      sendSlashCommand(`${front.url}/slack/commands`, SECRET, { command: '/etcd', text, channel_id: channel, user_id: 'U0ONCALL', response_url: slack.responseUrl(channel) });
    expect((await command('why-slow lab 5m', ONCALL)).status).toBe(200);
    expect((await command('handoff lab 1h', HANDOFF)).status).toBe(200);
    const atKill = await killed;
    expect(atKill.map((m) => m.channel)).toEqual([ONCALL, HANDOFF]);
    const [parent, handoff] = atKill as [StoredMessage, StoredMessage];
    expect(parent.text).toMatch(/queued/i);
    expect(handoff.text).toMatch(/Shift handoff/);

    worker = await startWorker();
    await waitFor('the details in a thread', () => slack.history(ONCALL).some((p) => slack.threadReplies(ONCALL, p.ts).length >= 1), 150_000, 200);
    expect(slack.history(ONCALL).map((m) => m.ts)).toEqual([parent.ts]);
    await waitFor('the parent edited to the verdict', () => /Slow disk/.test(slack.message(ONCALL, parent.ts)!.text), 10_000);
    expect(slack.threadReplies(ONCALL, parent.ts)).toHaveLength(1);
    expect(slack.message(ONCALL, parent.ts)!.text).toContain(prom.meta.fault.member!);

    await waitFor('the handoff details in a thread', () => slack.history(HANDOFF).some((p) => slack.threadReplies(HANDOFF, p.ts).length >= 1), 60_000, 200);
    expect(slack.history(HANDOFF).map((m) => m.ts)).toEqual([handoff.ts]);
    expect(slack.threadReplies(HANDOFF, handoff.ts).map((r) => r.text).join('\n')).toMatch(/lab/);
    expect(worker.log().match(/adopting it/g)).toHaveLength(2);
  }, 240_000);

  it('why-slow: killed right after Slack shared a chart, the restarted worker finds it by its file name; every chart once', async () => {
    if (worker === undefined) worker = await startWorker();
    // The earlier test's why-slow may still be uploading its charts into its own thread: only a chart
    // shared into a thread that is new since this test began is this command's.
    const earlierThreads = new Set(slack.history(ONCALL).map((m) => m.ts));
    let killedChart: { name: string; thread: string } | undefined;
    const remove = slack.beforeAnswer('files.completeUploadExternal', async ({ args, response }) => {
      const thread = String(args['thread_ts']);
      if (killedChart !== undefined || response['ok'] !== true || args['channel_id'] !== ONCALL || earlierThreads.has(thread)) return;
      killedChart = { name: String((response['files'] as Array<{ name: unknown }>)[0]!.name), thread };
      remove();
      await killWorker();
    });
    const command = sendSlashCommand(`${front.url}/slack/commands`, SECRET, { command: '/etcd', text: 'why-slow lab 7m', channel_id: ONCALL, user_id: 'U0ONCALL', response_url: slack.responseUrl(ONCALL) });
    expect((await command).status).toBe(200);
    await waitFor('the kill once Slack has a chart', () => killedChart !== undefined, 150_000, 200);
    const { name: killedName, thread } = killedChart!;
    const parent = slack.message(ONCALL, thread)!;
    expect(slack.history(ONCALL)[0]!.ts).toBe(parent.ts);
    const parentKey = String(parent.metadata?.event_payload['key']);
    expect(parentKey).toMatch(/^why-slow\./);
    const jobId = parentKey.slice('why-slow.'.length);
    const sharedNames = (): string[] => slack.uploadedFiles(ONCALL).filter((f) => f.thread_ts === parent.ts && f.shared_ts !== undefined).map((f) => f.filename);
    expect(sharedNames()).toEqual([killedName]);

    worker = await startWorker();
    // The job comes back once its lock lapses; the new worker finishes it (another job may finish first).
    const logOfThisJob = (): string[] => worker!.log().split('\n').filter((l) => l.includes(jobId));
    await waitFor('the retried job to finish', () => logOfThisJob().some((l) => l.includes('diagnosis done')), 150_000, 200);
    const names = sharedNames();
    expect(names).toContain(killedName);
    expect(new Set(names).size).toBe(names.length);
    // It looked in the thread for the chart by its name instead of uploading it again.
    expect(logOfThisJob().join('\n')).toMatch(/chart posted by an earlier attempt found in Slack: adopting it/);
    expect(slack.okCallsOf('conversations.replies').some((c) => c.args['channel'] === ONCALL && c.args['ts'] === parent.ts)).toBe(true);
    expect(slack.history(ONCALL)[0]!.ts).toBe(parent.ts);
  }, 240_000);
});
