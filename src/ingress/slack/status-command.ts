import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { channelAllowed, clustersForChannel, userAllowed, type ChannelRef } from './access.js';
import * as say from './messages.js';
import type { UserGroupDirectory } from './user-groups.js';

/**
 * `/etcd status [cluster|all]`: one line per cluster from the watch's state in Redis. `all` (the
 * default) means every cluster this channel and this user may query; a cluster the user may not query
 * is never shown, not even as a name.
 */

export type ReadStatus = (clusters: string[]) => Promise<string[]>;

export interface StatusCommandDeps {
  config: Config;
  readStatus: ReadStatus;
  userGroups: UserGroupDirectory;
  logger: Logger;
}

export type StatusReject = 'unknown-cluster' | 'channel-not-allowed' | 'user-not-allowed' | 'group-lookup-failed';

export type StatusAnswer =
  | { ok: true; text: string; clusters: string[] }
  | { ok: false; text: string; reason: StatusReject | 'read-failed'; cluster?: string };

export async function handleStatusCommand(
  parsed: { cluster?: string },
  cmd: { channel: ChannelRef; userId: string },
  deps: StatusCommandDeps,
): Promise<StatusAnswer> {
  const allowedHere = clustersForChannel(deps.config, cmd.channel);
  const asked = parsed.cluster ?? 'all';
  let clusters: string[];
  if (asked.toLowerCase() === 'all') {
    if (allowedHere.length === 0) return { ok: false, reason: 'channel-not-allowed', text: say.clusterList([]) };
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
      deps.logger.warn({ cluster: name, err: check.detail }, 'user group lookup failed');
      return { ok: false, reason: 'group-lookup-failed', cluster: name, text: say.groupLookupFailed(name) };
    } else if (clusters.length === 1) {
      return { ok: false, reason: 'user-not-allowed', cluster: name, text: say.notInUserGroup(name, deps.config.clusters[name]!.slack?.userGroups ?? []) };
    }
  }
  if (permitted.length === 0) return { ok: false, reason: 'user-not-allowed', text: say.statusNoClustersForUser() };
  try {
    const lines = await deps.readStatus(permitted);
    return { ok: true, clusters: permitted, text: say.statusAnswer(lines) };
  } catch (err) {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not read the watch status');
    return { ok: false, reason: 'read-failed', text: say.statusUnavailable() };
  }
}
