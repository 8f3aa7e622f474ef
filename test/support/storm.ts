import { expect } from 'vitest';
import { loadScenario, type LoadedScenario } from './fixture-prometheus.js';
import { waitFor } from './processes.js';
import { SlackStandin, type StoredMessage } from './slack-standin.js';
import { botEnv, deliverWebhook, notification, startBotProcess, writeStormConfig, type BotEnv, type BotProcess } from './bot-processes.js';

/**
 * An alert storm as Alertmanager delivers it: groups (one per alertname and cluster) that grow by one
 * member per step, each step re-sending every group whole. A group whose final thread lists every
 * member of the last step lost nothing, whatever happened to the notifications in between.
 */
export interface StormGroup {
  cluster: number;
  alertname: string;
}

export function stormGroups(clusters: number, alertnames: readonly string[]): StormGroup[] {
  return Array.from({ length: clusters }, (_, cluster) => alertnames.map((alertname) => ({ cluster, alertname }))).flat();
}

export const memberOf = (tag: string, cluster: number, m: number): string => `10.${tag}.${cluster}.${m}:2379`;

/** Sends one step of every group at once; resolves with how many notifications needed a retry. */
export async function sendStep(frontUrl: string, token: string, groups: readonly StormGroup[], step: number, opts: { job: string; tag: string }): Promise<number> {
  const attempts = await Promise.all(
    groups.map(({ cluster, alertname }) => {
      const alerts = Array.from({ length: step }, (_, m) => ({ alertname, job: `${opts.job}-${cluster}`, instance: memberOf(opts.tag, cluster, m), severity: 'critical' }));
      return deliverWebhook(`${frontUrl}/alertmanager`, token, notification(`{}:{alertname="${alertname}",job="${opts.job}-${cluster}"}`, alerts), 90_000);
    }),
  );
  return attempts.filter((a) => a > 1).length;
}

export const triagesOf = (slack: SlackStandin, ch: string, p: StoredMessage): StoredMessage[] =>
  slack.threadReplies(ch, p.ts).filter((r) => /Triage/.test(r.text));

/** True once every channel has its groups' parents, each at `steps` firing with a triage reply. */
export function stormComplete(slack: SlackStandin, channels: readonly string[], alertnames: readonly string[], steps: number): boolean {
  return channels.every((ch) => {
    const ps = slack.history(ch);
    return ps.length >= alertnames.length && ps.every((p) => new RegExp(`\\b${steps} firing`).test(p.text) && triagesOf(slack, ch, p).length >= 1);
  });
}

/** What each channel shows, for a failure message: parents with their firing count and triage replies. */
export function stormState(slack: SlackStandin, channels: readonly string[]): string {
  return channels
    .map((ch) => `${ch}: ${slack.history(ch).map((p) => `[${/\d+ firing/.exec(p.text)?.[0] ?? p.text.slice(0, 60)}, ${triagesOf(slack, ch, p).length} triage]`).join(' ')}`)
    .join('\n');
}

/**
 * The end of every storm test: each group ends complete in exactly one thread (all alerts of the last
 * step firing, a triage reply, `memberTag`'s first member named when given), and nothing was posted twice
 * at top level in any channel. `diagnostics` adds to the failure message (e.g. the bot processes' logs).
 */
export async function expectStormDelivered(
  slack: SlackStandin,
  channels: readonly string[],
  alertnames: readonly string[],
  steps: number,
  opts: { memberTag?: string; diagnostics?: () => string } = {},
): Promise<void> {
  await waitFor('every group complete in its one thread', () => stormComplete(slack, channels, alertnames, steps), 150_000, 500).catch((err: Error) => {
    throw new Error(`${err.message}\n${stormState(slack, channels)}${opts.diagnostics ? `\n${opts.diagnostics()}` : ''}`);
  });
  // A late duplicate would show up in this pause.
  await new Promise((r) => setTimeout(r, 3000));
  channels.forEach((ch, c) => {
    const ps = slack.history(ch);
    expect(ps.map((p) => alertnames.find((n) => p.text.includes(n))).sort()).toEqual([...alertnames].sort());
    for (const p of ps) {
      // "N firing": the group state holds every alert of the last notification.
      expect(p.text).toMatch(new RegExp(`\\b${steps} firing`));
      if (opts.memberTag !== undefined) expect(p.text).toContain(memberOf(opts.memberTag, c, 0));
      expect(triagesOf(slack, ch, p).length).toBeGreaterThanOrEqual(1);
    }
  });
  const topLevel = slack.okCallsOf('chat.postMessage').filter((call) => call.args['thread_ts'] === undefined);
  expect(topLevel).toHaveLength(channels.length * alertnames.length);
}

export interface StormDeployment<R> {
  redis: R;
  prom: LoadedScenario;
  slack: SlackStandin;
  configFile: string;
  env: BotEnv;
  /** One front (`bots[0]`) and two workers, separate processes of the real CLI; a test adds any it restarts. */
  bots: BotProcess[];
}

/**
 * What a storm test runs against: its own Redis (`startRedis`: plain, with an append-only file, a Sentinel
 * set), the recorded slow-disk incident ending now in a real Prometheus, the Slack stand-in, and the bot
 * as a small deployment runs it, one front and two workers on the storm config (writeStormConfig).
 */
export async function startStormDeployment<R extends { url: string; stop(): Promise<void> }>(
  tag: string,
  channels: readonly string[],
  startRedis: () => Promise<R>,
  secrets: { signing: string; webhook: string },
): Promise<StormDeployment<R>> {
  const started = await Promise.allSettled([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ] as const);
  const [r, p, s] = started;
  if (r.status === 'rejected' || p.status === 'rejected' || s.status === 'rejected') {
    // One service failed to start: stop the ones that did, then report the first failure.
    await Promise.all(started.map((x) => (x.status === 'fulfilled' ? x.value.stop() : undefined)));
    throw started.find((x): x is PromiseRejectedResult => x.status === 'rejected')!.reason;
  }
  const [redis, prom, slack] = [r.value, p.value, s.value];
  const configFile = writeStormConfig(tag, channels, prom.url);
  const env = botEnv(redis.url, slack, secrets.signing, secrets.webhook);
  const bots: BotProcess[] = [];
  try {
    bots.push(await startBotProcess('serve', configFile, env));
    for (let i = 0; i < 2; i++) bots.push(await startBotProcess('worker', configFile, env));
  } catch (err) {
    // The test never gets to stop what started: stop it here.
    await Promise.all(bots.map((b) => b.stop()));
    await Promise.all([redis.stop(), prom.stop(), slack.stop()]);
    throw err;
  }
  return { redis, prom, slack, configFile, env, bots };
}

/** Stops a storm deployment's bots (those it started and any the test added), then Redis, Prometheus and Slack. */
export async function stopStormDeployment<R extends { stop(): Promise<void> }>(d: StormDeployment<R> | undefined): Promise<void> {
  if (d === undefined) return;
  await Promise.all(d.bots.map((b) => b.stop()));
  await Promise.all([d.redis.stop(), d.prom.stop(), d.slack.stop()]);
}
