import { code, esc, mentionGroup, quoteUser } from '../../../report/slack-text.js';
import { USAGE } from './command-text.js';

/**
 * Every text the `/etcd` command answers with, in one place so that wording stays consistent and tests
 * can assert on it. All are ephemeral (only the person who typed the command sees them) and use Slack
 * mrkdwn, which reads well on a phone. Anything not written here is escaped (report/slack-text.ts), and
 * what the user typed is quoted short: an answer never repeats 10,000 characters back.
 */

export function clusterList(clusters: readonly string[]): string {
  if (clusters.length === 0) {
    return 'This channel may not query any cluster: an operator can allow it under `clusters.<name>.slack.channels` in the config.';
  }
  return `This channel may query: ${clusters.map(code).join(', ')}.`;
}

export function investigating(cluster: string, window: string, deduplicated: boolean): string {
  if (deduplicated) {
    return `🔎 An identical diagnosis of *${esc(cluster)}* over the last ${window} is already running: its results will appear in this channel.`;
  }
  return `🔎 Investigating *${esc(cluster)}* over the last ${window}… results will appear in this channel.`;
}

export function help(clusters: readonly string[]): string {
  return `*etcd-triage* finds out why etcd is slow.\n${USAGE}\n${clusterList(clusters)}`;
}

export function usageError(problem: string, clusters: readonly string[]): string {
  return `⚠️ ${problem}\n${clusterList(clusters)}`;
}

export function unknownCluster(typed: string, suggestion: string | undefined, clusters: readonly string[]): string {
  const hint = suggestion === undefined ? '' : ` Cluster names are lower-case: did you mean ${code(suggestion)}?`;
  return `⚠️ Unknown cluster ${quoteUser(typed, 40)}.${hint}\n${clusterList(clusters)}`;
}

export function channelNotAllowed(cluster: string, clusters: readonly string[]): string {
  return `⛔ Cluster *${esc(cluster)}* cannot be queried from this channel.\n${clusterList(clusters)}`;
}

/** `reason` comes from parseWindow: it quotes the user's text bounded, and is escaped here. */
export function badWindow(reason: string, clusters: readonly string[]): string {
  return `⚠️ ${esc(reason)}. Usage: \`/etcd why-slow &lt;cluster&gt; [window]\`\n${clusterList(clusters)}`;
}

export function notInUserGroup(cluster: string, groups: readonly string[]): string {
  const named = groups.map(mentionGroup).join(', ');
  return `⛔ Only members of ${named} may query *${esc(cluster)}*.`;
}

export function groupLookupFailed(cluster: string): string {
  return `⚠️ Could not check whether you may query *${esc(cluster)}* (Slack user groups did not answer). Nothing was started: please try again in a moment.`;
}

export function couldNotQueue(cluster: string): string {
  return `❌ Could not queue the diagnosis of *${esc(cluster)}*: the job queue is unavailable. Nothing was started: please try again in a minute.`;
}

export function handoffNotYet(): string {
  return '🕑 `/etcd handoff` is not available yet. Meanwhile `/etcd why-slow &lt;cluster&gt; [window]` diagnoses a cluster.';
}

export function handoffQueued(clusters: readonly string[], since: string | undefined, deduplicated: boolean): string {
  const names = clusters.map((c) => `*${esc(c)}*`).join(', ');
  const period = since === undefined ? 'since the last handoff in this channel (or the default period)' : `over the last ${esc(since.trim())}`;
  if (deduplicated) return `📋 The same handoff for ${names} is already being prepared: it will appear in this channel.`;
  return `📋 Preparing the handoff for ${names} ${period}… it will appear in this channel.`;
}

/** `message` comes from parseSince: it quotes the user's text bounded, and is escaped here. */
export function badSince(message: string): string {
  return `⚠️ ${esc(message)}. Usage: \`/etcd handoff &lt;cluster|all&gt; [since]\`, e.g. \`/etcd handoff all 12h\``;
}

export function handoffNoClustersHere(): string {
  return `⛔ No cluster can be queried from this channel, so there is nothing to hand off here.\n${clusterList([])}`;
}

export function handoffNoClustersForUser(): string {
  return '⛔ You may not query any of the clusters this channel covers, so no handoff was prepared.';
}

export function couldNotQueueHandoff(): string {
  return '❌ Could not queue the handoff: the job queue is unavailable. Nothing was started: please try again in a minute.';
}

export function internalError(): string {
  return '❌ Something went wrong while handling this command. Nothing was started: please try again.';
}

export function statusAnswer(lines: readonly string[]): string {
  return `*Status* (from the watch's last evaluation of each cluster)\n${lines.join('\n')}`;
}

export function statusNoClustersForUser(): string {
  return '⛔ You are not in a user group allowed to query any cluster from this channel.';
}

export function statusUnavailable(): string {
  return '⚠️ The status could not be read right now (Redis did not answer). Try again in a moment.';
}
