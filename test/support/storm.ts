import { expect } from 'vitest';
import { waitFor } from './processes.js';
import type { SlackStandin, StoredMessage } from './slack-standin.js';
import { deliverWebhook, notification } from './bot-processes.js';

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
