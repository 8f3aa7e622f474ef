import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.js';
import { parseSince } from '../../../handoff/period.js';
import type { ChannelRef } from '../access.js';
import { clustersInScope } from './cluster-scope.js';
import { withinDeadline } from './command-deadline.js';
import * as say from './messages.js';
import type { UserGroupDirectory } from '../user-groups.js';

/**
 * `/etcd handoff <cluster|all> [since]`: validated completely (cluster, channel, user, period) before
 * one job is enqueued. `all` means every cluster this channel (and this user) may query.
 */

export interface HandoffRequestData {
  channel: string;
  clusters: string[];
  sinceSeconds?: number;
  requestedBy: string;
}

export type EnqueueHandoff = (req: HandoffRequestData) => Promise<{ jobId: string; deduplicated: boolean }>;

export type HandoffReject = 'usage' | 'unknown-cluster' | 'channel-not-allowed' | 'bad-since' | 'beyond-retention' | 'user-not-allowed' | 'group-lookup-failed';

export type HandoffAnswer =
  | { ok: true; text: string; jobId: string; deduplicated: boolean; clusters: string[] }
  | { ok: false; text: string; reason: HandoffReject; cluster?: string }
  | { ok: false; text: string; reason: 'queue-failed'; cluster?: string };

export interface HandoffCommandDeps {
  config: Config;
  enqueueHandoff: EnqueueHandoff;
  userGroups: UserGroupDirectory;
  enqueueTimeoutMs: number;
  logger: Logger;
}

export async function handleHandoffCommand(
  parsed: { cluster: string; since?: string },
  cmd: { channel: ChannelRef; userId: string },
  deps: HandoffCommandDeps,
): Promise<HandoffAnswer> {
  const scope = await clustersInScope(parsed.cluster, cmd, deps, { noClustersHere: say.handoffNoClustersHere, noClustersForUser: say.handoffNoClustersForUser });
  if (!scope.ok) return scope;
  const permitted = scope.clusters;

  let sinceSeconds: number | undefined;
  if (parsed.since !== undefined) {
    const s = parseSince(parsed.since, deps.config.handoff.retentionDays * 86400);
    if (!s.ok) return { ok: false, reason: s.reason, text: say.badSince(s.message) };
    sinceSeconds = s.seconds;
  }

  try {
    // Slack gives up on the acknowledgement after 3 s: past the bound the queue counts as unavailable.
    const res = await withinDeadline(
      deps.enqueueHandoff({ channel: cmd.channel.id, clusters: permitted, requestedBy: cmd.userId, ...(sinceSeconds === undefined ? {} : { sinceSeconds }) }),
      deps.enqueueTimeoutMs,
    );
    return { ok: true, ...res, clusters: permitted, text: say.handoffQueued(permitted, parsed.since, res.deduplicated) };
  } catch (err) {
    deps.logger.error({ err, clusters: permitted }, 'could not enqueue handoff');
    return { ok: false, reason: 'queue-failed', text: say.couldNotQueueHandoff() };
  }
}
