import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.js';
import { channelAllowed, clustersForChannel, userAllowed, type ChannelRef } from '../access.js';
import * as say from './messages.js';
import type { UserGroupDirectory } from '../user-groups.js';

/**
 * The clusters a fleet-wide command (`/etcd handoff`, `/etcd status`) answers for: a named cluster must
 * exist and be allowed in this channel and for this user; `all` means every cluster both allow, and a
 * cluster the user may not query is left out silently, never shown, not even as a name.
 */

export type ScopeRefusal = {
  ok: false;
  reason: 'unknown-cluster' | 'channel-not-allowed' | 'user-not-allowed' | 'group-lookup-failed';
  cluster?: string;
  text: string;
};

export interface ScopeDeps {
  config: Config;
  userGroups: UserGroupDirectory;
  logger: Logger;
}

/** The command's own words for "no cluster here" and "none of them yours". */
export interface ScopeTexts {
  noClustersHere: () => string;
  noClustersForUser: () => string;
}

export async function clustersInScope(
  asked: string,
  cmd: { channel: ChannelRef; userId: string },
  deps: ScopeDeps,
  texts: ScopeTexts,
): Promise<{ ok: true; clusters: string[] } | ScopeRefusal> {
  const allowedHere = clustersForChannel(deps.config, cmd.channel);
  let clusters: string[];
  if (asked.toLowerCase() === 'all') {
    if (allowedHere.length === 0) return { ok: false, reason: 'channel-not-allowed', text: texts.noClustersHere() };
    clusters = allowedHere;
  } else {
    const cluster = Object.hasOwn(deps.config.clusters, asked) ? deps.config.clusters[asked] : undefined;
    if (cluster === undefined) {
      const lower = asked.toLowerCase();
      return { ok: false, reason: 'unknown-cluster', text: say.unknownCluster(asked, Object.hasOwn(deps.config.clusters, lower) ? lower : undefined, allowedHere) };
    }
    if (!channelAllowed(cluster, cmd.channel)) return { ok: false, reason: 'channel-not-allowed', cluster: asked, text: say.channelNotAllowed(asked, allowedHere) };
    clusters = [asked];
  }
  const permitted: string[] = [];
  for (const name of clusters) {
    const check = await userAllowed(deps.config.clusters[name]!, cmd.userId, deps.userGroups);
    if (check.ok) permitted.push(name);
    else if (check.reason === 'lookup-failed') {
      // A failed lookup is not a "no": the user is told to retry rather than that they lack access.
      deps.logger.warn({ cluster: name, err: check.detail }, 'user group lookup failed');
      return { ok: false, reason: 'group-lookup-failed', cluster: name, text: say.groupLookupFailed(name) };
    } else if (clusters.length === 1) {
      return { ok: false, reason: 'user-not-allowed', cluster: name, text: say.notInUserGroup(name, deps.config.clusters[name]!.slack?.userGroups ?? []) };
    }
  }
  if (permitted.length === 0) return { ok: false, reason: 'user-not-allowed', text: texts.noClustersForUser() };
  return { ok: true, clusters: permitted };
}
