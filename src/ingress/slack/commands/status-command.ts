import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.js';
import type { ChannelRef } from '../access.js';
import { clustersInScope, type ScopeRefusal } from './cluster-scope.js';
import * as say from './messages.js';
import type { UserGroupDirectory } from '../user-groups.js';

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

export type StatusReject = ScopeRefusal['reason'];

export type StatusAnswer =
  | { ok: true; text: string; clusters: string[] }
  | { ok: false; text: string; reason: StatusReject | 'read-failed'; cluster?: string };

export async function handleStatusCommand(
  parsed: { cluster?: string },
  cmd: { channel: ChannelRef; userId: string },
  deps: StatusCommandDeps,
): Promise<StatusAnswer> {
  const scope = await clustersInScope(parsed.cluster ?? 'all', cmd, deps, { noClustersHere: () => say.clusterList([]), noClustersForUser: say.statusNoClustersForUser });
  if (!scope.ok) return scope;
  const permitted = scope.clusters;
  try {
    const lines = await deps.readStatus(permitted);
    return { ok: true, clusters: permitted, text: say.statusAnswer(lines) };
  } catch (err) {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not read the watch status');
    return { ok: false, reason: 'read-failed', text: say.statusUnavailable() };
  }
}
