import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import type { BotProcess } from '../../support/bot-processes.js';
import { startCrashStack, type CrashStack } from '../../support/crash-stack.js';
import type { LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor } from '../../support/processes.js';
import { clickPayload, elementsOf } from '../../support/slack-buttons.js';
import { sendInteraction, sendSlashCommand } from '../../support/slack-sign.js';
import type { SlackStandin, StoredMessage } from '../../support/slack-standin.js';

/**
 * The worker process killed (SIGKILL) right after Slack accepted a Re-run's answer in the thread and
 * before the worker read Slack's answer, so the job never learns where it posted. The stand-in holds
 * that answer while the test kills the real `etcd-triage worker`; a new worker process then retries the
 * job. The answer is a thread reply, invisible to conversations.history: the retry must find it in the
 * thread. A real Redis, a recorded incident in a real Prometheus and the HTTP front stay up throughout.
 */
const SECRET = 'rerun-chaos-signing-secret';
const CHANNEL = 'C0RERUNCHAOS';

let stack: CrashStack | undefined;
let prom: LoadedScenario;
let slack: SlackStandin;
let front: RunningServices;
let worker: BotProcess | undefined;
/** The why-slow answer whose thread the Re-runs answer in. */
let parent: StoredMessage | undefined;

function configText(incident: LoadedScenario): string {
  return `
clusters:
  lab:
    prometheus: { url: "${incident.url}", timeoutMs: 2000 }
    selector: { job: ${incident.meta.prometheus.etcdJob} }
    slack: { channels: ["${CHANNEL}"] }
jobs: { dedupeSeconds: 5, attempts: 2, concurrency: 2, stalledSeconds: 5 }
`;
}

/** The real `etcd-triage worker` (its pid is the one killed). */
const startWorker = (): Promise<BotProcess> => stack!.startWorker();

async function killWorker(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  const w = worker;
  worker = undefined;
  await (signal === 'SIGKILL' ? w?.kill() : w?.stop());
}

/**
 * Kills the worker once Slack has stored, in the thread of `p`, a message whose metadata key starts with
 * `prefix`: after the stand-in stored it and before its answer leaves. Resolves with that message.
 */
function killOnReply(p: StoredMessage, prefix: string): Promise<StoredMessage> {
  return new Promise((resolve) => {
    const remove = slack.beforeAnswer('chat.postMessage', async ({ args, response }) => {
      const metadata = args['metadata'] as { event_payload?: { key?: unknown } } | undefined;
      if (args['thread_ts'] !== p.ts || response['ok'] !== true || !String(metadata?.event_payload?.key ?? '').startsWith(prefix)) return;
      remove();
      await killWorker('SIGKILL');
      resolve(slack.message(CHANNEL, String(response['ts']))!);
    });
  });
}

/** The key a message carries in its metadata, if any. */
const keyOf = (m: { metadata?: { event_payload: Record<string, unknown> } }): unknown => m.metadata?.event_payload['key'];

beforeAll(async () => {
  stack = await startCrashStack({ configText, signingSecret: SECRET });
  ({ prom, slack, front } = stack);
}, 120_000);

afterAll(async () => {
  await killWorker('SIGTERM');
  await stack?.stop();
});

describe('a worker killed between Slack accepting a Re-run reply in the thread and recording it', () => {
  it('the restarted worker finds the answer in the thread and adopts it: one Re-run answer, completed', async () => {
    worker = await startWorker();
    const res = await sendSlashCommand(`${front.url}/slack/commands`, SECRET, {
      command: '/etcd', text: 'why-slow lab 5m', channel_id: CHANNEL, user_id: 'U0ONCALL', response_url: slack.responseUrl('cmd'),
    });
    expect(res.status).toBe(200);
    await waitFor('the verdict with its buttons and its details', () => {
      parent = slack.history(CHANNEL).find((m) => elementsOf(m).has('etcd_rerun') && slack.threadReplies(CHANNEL, m.ts).length === 1);
      return parent !== undefined;
    }, 60_000, 200);
    const p = parent!;
    // Kill the worker once Slack has stored the Re-run's answer in this thread, before it hears of it.
    const killed = killOnReply(p, 'why-slow.');
    const clicked = await sendInteraction(`${front.url}/slack/actions`, SECRET, clickPayload(p, 'etcd_rerun', { channel: CHANNEL, responseUrl: slack.responseUrl('click') }));
    expect(clicked.status).toBe(200);
    const answer = await killed;
    expect(answer.thread_ts).toBe(p.ts);
    expect(answer.text).toMatch(/queued/i);
    expect(String(keyOf(answer))).toMatch(/^why-slow\./);

    worker = await startWorker();
    // The retried job edits the answer Slack already had to the verdict and posts its details once.
    await waitFor('the Re-run answer edited to the verdict, and its details', () =>
      /Slow disk/.test(slack.message(CHANNEL, answer.ts)!.text) && slack.threadReplies(CHANNEL, p.ts).length >= 3, 150_000, 200);
    await new Promise((r) => setTimeout(r, 1500)); // anything doubled would arrive within the pacing interval
    const replies = slack.threadReplies(CHANNEL, p.ts);
    expect(replies).toHaveLength(3); // the first run's details, the Re-run's answer, its details
    expect(replies.filter((r) => keyOf(r) === keyOf(answer)).map((r) => r.ts)).toEqual([answer.ts]);
    expect(replies.filter((r) => elementsOf(r).has('etcd_rerun')).map((r) => r.ts)).toEqual([answer.ts]);
    expect(slack.message(CHANNEL, answer.ts)!.text).toContain(prom.meta.fault.member!);
    expect(slack.history(CHANNEL).map((m) => m.ts)).toEqual([p.ts]);
    // The new worker read the thread, with metadata, to find it.
    const lookups = slack.okCallsOf('conversations.replies').filter((c) => c.args['channel'] === CHANNEL && c.args['ts'] === p.ts);
    expect(lookups.length).toBeGreaterThanOrEqual(1);
    expect(lookups[0]!.args['include_all_metadata']).toBe('true');
    expect(worker.log()).toMatch(/adopting it/);
  }, 240_000);

  it('killed right after Slack accepted the details of a Re-run: the restarted worker adopts them, one set of details', async () => {
    if (worker === undefined) worker = await startWorker();
    const p = parent!;
    const before = slack.threadReplies(CHANNEL, p.ts).length;
    const killed = killOnReply(p, 'why-slow-details.');
    const clicked = await sendInteraction(`${front.url}/slack/actions`, SECRET, clickPayload(p, 'etcd_rerun', { channel: CHANNEL, responseUrl: slack.responseUrl('click2') }));
    expect(clicked.status).toBe(200);
    const details = await killed;
    expect(details.thread_ts).toBe(p.ts);

    worker = await startWorker();
    await waitFor('the retried job done', () => /"msg":"diagnosis done"/.test(worker!.log()), 150_000, 200);
    await new Promise((r) => setTimeout(r, 1500)); // anything doubled would arrive within the pacing interval
    const replies = slack.threadReplies(CHANNEL, p.ts);
    expect(replies).toHaveLength(before + 2); // this Re-run's answer and its details, once each
    expect(replies.filter((r) => keyOf(r) === keyOf(details)).map((r) => r.ts)).toEqual([details.ts]);
    expect(replies.filter((r) => /^why-slow\./.test(String(keyOf(r))))).toHaveLength(2);
    expect(worker.log()).toMatch(/adopting it/);
  }, 240_000);
});
