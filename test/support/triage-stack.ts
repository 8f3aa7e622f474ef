import { expect } from 'vitest';
import type { RunningServices } from '../../src/cli/run/services.js';
import { SlackStandin, type StoredMessage } from './slack-standin.js';
import { loadScenario, type LoadedScenario, type Transform } from './fixture-prometheus.js';
import { freePort, type RunningProcess } from './processes.js';
import { startRedis } from './redis.js';
import { startAlertmanager, type RunningAlertmanager, type TestAlert } from './alertmanager.js';
import { startAlertBot } from './test-bot.js';

/**
 * The alert triage pipeline with real parts, for tests that break one of them: a real Redis, a real
 * Alertmanager posting its webhooks to the bot (`etcd-triage start` in this process), a real Prometheus
 * serving the recorded slow-disk incident (shifted to end now), and the Slack stand-in.
 */
export const WEBHOOK_TOKEN = 'chaos-webhook-token';

export interface TriageStack {
  redis: RunningProcess & { url: string };
  prom: LoadedScenario;
  slack: SlackStandin;
  am: RunningAlertmanager;
  bot: RunningServices;
  /** The recorded incident's etcd job label and its faulted member. */
  job: string;
  member: string;
  stop(): Promise<void>;
}

export interface TriageStackOptions {
  /** The config's `clusters:` entries (YAML, indented by two), given the recorded incident's Prometheus. */
  clusters: (p: { promUrl: string; job: string; member: string }) => string | Promise<string>;
  /** The recording's series rewritten (e.g. into the kube-prometheus-stack shape); default as recorded. */
  transform?: Transform;
}

export async function startTriageStack(opts: TriageStackOptions): Promise<TriageStack> {
  const botPort = await freePort();
  const [redis, prom, slack] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000), ...(opts.transform ? { transform: opts.transform } : {}) }),
    SlackStandin.start(),
  ]);
  const job = prom.meta.prometheus.etcdJob;
  const member = prom.meta.fault.member ?? prom.meta.members[0]!.name;
  const text = `
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  fallbackChannel: C0FALLBACK
clusters:
${await opts.clusters({ promUrl: prom.url, job, member })}`;
  const bot = await startAlertBot({ config: text, name: 'triage-stack.yaml', slack, redisUrl: redis.url, webhookToken: WEBHOOK_TOKEN, port: botPort, prefix: `chaos${Date.now()}` });
  const am = await startAlertmanager({
    webhookUrl: `http://127.0.0.1:${botPort}/alertmanager`,
    token: WEBHOOK_TOKEN,
    groupWait: '1s',
    groupInterval: '1s',
    repeatInterval: '1h',
  });
  return {
    redis, prom, slack, am, bot, job, member,
    stop: async () => {
      await am.stop();
      await bot.stop();
      await Promise.all([redis.stop(), prom.stop(), slack.stop()]);
    },
  };
}

/** One Alertmanager group (alertname + job) of `size` alerts, on members m-0 … m-(size-1) of `job`. */
export function alertGroup(alertname: string, job: string, size: number, member = (i: number) => `${job}-m${i}:2379`): TestAlert[] {
  return Array.from({ length: size }, (_, i) => ({
    labels: { alertname, job, instance: member(i), severity: i === 0 ? 'critical' : 'warning' },
    annotations: { summary: `${alertname} on ${member(i)}` },
  }));
}

/** The parent message and its text with blocks, for a thread of the channel naming `alertname`. */
export function threadsOf(slack: SlackStandin, channel: string, alertname: string): StoredMessage[] {
  return slack.history(channel).filter((m) => m.text.includes(alertname));
}

export const messageText = (m: StoredMessage): string => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;

/** Whether every group has its parent and a triage reply in the channel (for waitFor). */
export function allTriaged(slack: SlackStandin, channel: string, groups: ReadonlyArray<readonly TestAlert[]>): boolean {
  return groups.every((g) => {
    const parents = threadsOf(slack, channel, g[0]!.labels['alertname']!);
    return parents.length >= 1 && slack.threadReplies(channel, parents[0]!.ts).some((r) => /Triage/.test(r.text));
  });
}

/**
 * Nothing lost, nothing doubled: the channel holds exactly one parent per group, each naming all of its
 * firing alerts' members, with exactly one triage reply in its thread; and no other top-level message.
 * Returns each group's triage reply text.
 */
export function expectOneThreadPerGroup(slack: SlackStandin, channel: string, groups: ReadonlyArray<readonly TestAlert[]>): string[] {
  expect(slack.history(channel)).toHaveLength(groups.length);
  return groups.map((g) => {
    const alertname = g[0]!.labels['alertname']!;
    const parents = threadsOf(slack, channel, alertname);
    expect(parents, `${channel} ${alertname}: parents`).toHaveLength(1);
    const parent = parents[0]!;
    expect(parent.text).toContain(`${g.length} firing`);
    for (const a of g) expect(messageText(parent), `${channel} ${alertname}: member ${a.labels['instance']}`).toContain(a.labels['instance']!);
    const triage = slack.threadReplies(channel, parent.ts).filter((r) => /Triage/.test(r.text));
    expect(triage, `${channel} ${alertname}: triage replies`).toHaveLength(1);
    return messageText(triage[0]!);
  });
}
