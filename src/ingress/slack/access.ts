import type { ClusterConfig, Config } from '../../config/schema.js';
import type { UserGroupDirectory } from './user-groups.js';

/**
 * Who may query which cluster from where. Operators list, per cluster, the Slack channels (IDs such as
 * C0123 or names such as #etcd-oncall) allowed to query it, and optionally user groups whose members
 * alone may run commands. A cluster without a `slack` section cannot be queried from Slack at all.
 */

/** The channel a command came from, as Slack describes it (name without '#'). */
export interface ChannelRef {
  id: string;
  name?: string;
}

/** Channel IDs compare exactly; names compare without '#' and case-insensitively, as Slack names are lower-case. */
export function channelAllowed(cluster: ClusterConfig, channel: ChannelRef): boolean {
  const allowed = cluster.slack?.channels ?? [];
  const name = channel.name?.toLowerCase();
  return allowed.some((entry) => {
    if (entry.startsWith('#')) return name !== undefined && entry.slice(1).toLowerCase() === name;
    return entry === channel.id;
  });
}

/** Cluster names this channel may query, sorted, for error messages. */
export function clustersForChannel(config: Config, channel: ChannelRef): string[] {
  return Object.entries(config.clusters)
    .filter(([, cluster]) => channelAllowed(cluster, channel))
    .map(([name]) => name)
    .sort();
}

export type UserCheck = { ok: true } | { ok: false; reason: 'not-in-group' | 'lookup-failed'; detail?: string };

/**
 * When a cluster names user groups, the user must belong to at least one. Groups are looked up one by one
 * and the first match wins, so the common case (the on-call group listed first) costs one cached lookup.
 */
export async function userAllowed(
  cluster: ClusterConfig,
  userId: string,
  groups: UserGroupDirectory,
): Promise<UserCheck> {
  const required = cluster.slack?.userGroups ?? [];
  if (required.length === 0) return { ok: true };
  let lookupError: string | undefined;
  for (const groupId of required) {
    try {
      const members = await groups.members(groupId);
      if (members.has(userId)) return { ok: true };
    } catch (err) {
      lookupError = err instanceof Error ? err.message : String(err);
    }
  }
  // A failed lookup is not a "no": the user is told to retry rather than that they lack access.
  if (lookupError !== undefined) return { ok: false, reason: 'lookup-failed', detail: lookupError };
  return { ok: false, reason: 'not-in-group' };
}
