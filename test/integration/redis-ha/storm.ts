import type { SlackStandin, StoredMessage } from '../../support/slack-standin.js';
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
