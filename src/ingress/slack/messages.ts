import { USAGE, echoUserText } from './command-text.js';

/**
 * Every text the `/etcd` command answers with, in one place so that wording stays consistent and tests
 * can assert on it. All are ephemeral (only the person who typed the command sees them) and use Slack
 * mrkdwn, which reads well on a phone.
 */

export function clusterList(clusters: readonly string[]): string {
  if (clusters.length === 0) {
    return 'This channel may not query any cluster: an operator can allow it under `clusters.<name>.slack.channels` in the config.';
  }
  return `This channel may query: ${clusters.map((c) => `\`${c}\``).join(', ')}.`;
}

export function investigating(cluster: string, window: string, deduplicated: boolean): string {
  if (deduplicated) {
    return `🔎 An identical diagnosis of *${cluster}* over the last ${window} is already running: its results will appear in this channel.`;
  }
  return `🔎 Investigating *${cluster}* over the last ${window}… results will appear in this channel.`;
}

export function help(clusters: readonly string[]): string {
  return `*etcd-triage* finds out why etcd is slow.\n${USAGE}\n${clusterList(clusters)}`;
}

export function usageError(problem: string, clusters: readonly string[]): string {
  return `⚠️ ${problem}\n${clusterList(clusters)}`;
}

export function unknownCluster(typed: string, suggestion: string | undefined, clusters: readonly string[]): string {
  const hint = suggestion === undefined ? '' : ` Cluster names are lower-case: did you mean \`${suggestion}\`?`;
  return `⚠️ Unknown cluster \`${echoUserText(typed)}\`.${hint}\n${clusterList(clusters)}`;
}

export function channelNotAllowed(cluster: string, clusters: readonly string[]): string {
  return `⛔ Cluster *${cluster}* cannot be queried from this channel.\n${clusterList(clusters)}`;
}

export function badWindow(reason: string, clusters: readonly string[]): string {
  return `⚠️ ${reason}. Usage: \`/etcd why-slow <cluster> [window]\`\n${clusterList(clusters)}`;
}

export function notInUserGroup(cluster: string, groups: readonly string[]): string {
  const named = groups.map((g) => `<!subteam^${g}>`).join(', ');
  return `⛔ Only members of ${named} may query *${cluster}*.`;
}

export function groupLookupFailed(cluster: string): string {
  return `⚠️ Could not check whether you may query *${cluster}* (Slack user groups did not answer). Nothing was started: please try again in a moment.`;
}

export function couldNotQueue(cluster: string): string {
  return `❌ Could not queue the diagnosis of *${cluster}*: the job queue is unavailable. Nothing was started: please try again in a minute.`;
}

export function handoffNotYet(): string {
  return '🕑 `/etcd handoff` is not available yet. Meanwhile `/etcd why-slow <cluster> [window]` diagnoses a cluster.';
}

export function handoffQueued(clusters: readonly string[], since: string | undefined, deduplicated: boolean): string {
  const names = clusters.map((c) => `*${c}*`).join(', ');
  const period = since === undefined ? 'since the last handoff in this channel (or the default period)' : `over the last ${since}`;
  if (deduplicated) return `📋 The same handoff for ${names} is already being prepared: it will appear in this channel.`;
  return `📋 Preparing the handoff for ${names} ${period}… it will appear in this channel.`;
}

export function badSince(message: string): string {
  return `⚠️ ${message.replace(/`/g, "'")}. Usage: \`/etcd handoff <cluster|all> [since]\`, e.g. \`/etcd handoff all 12h\``;
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
