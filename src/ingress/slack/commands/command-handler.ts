import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.js';
import type { DiagnosisRequest } from '../../../diagnosis/request.js';
import { formatDuration, parseWindow } from '../../../diagnosis/window.js';
import { withinDeadline } from './command-deadline.js';
import { channelAllowed, clustersForChannel, userAllowed, type ChannelRef } from '../access.js';
import { parseCommandText } from './command-text.js';
import { handleHandoffCommand, type EnqueueHandoff } from './handoff-command.js';
import { handleStatusCommand, type ReadStatus } from './status-command.js';
import * as say from './messages.js';
import type { UserGroupDirectory } from '../user-groups.js';

export { EnqueueTimeoutError } from './command-deadline.js';

/**
 * The `/etcd` command without Bolt: text in, one ephemeral answer out, and at most one enqueue.
 * Validation runs fully before anything is enqueued, so a bad request is never half-applied.
 */

export interface EnqueueResult {
  jobId: string;
  /** True when the request joined an identical one already queued or running. */
  deduplicated: boolean;
}

export type EnqueueDiagnosis = (req: DiagnosisRequest) => Promise<EnqueueResult>;

export type CommandOutcome =
  | 'enqueued'
  | 'deduplicated'
  /** `/etcd status` answered from Redis. */
  | 'answered'
  | 'help'
  | 'rejected'
  | 'queue-failed'
  | 'not-available'
  /** A bug or an unexpected failure; the user was still answered. */
  | 'error';

export type RejectReason =
  | 'usage'
  | 'unknown-cluster'
  | 'channel-not-allowed'
  | 'bad-window'
  | 'user-not-allowed'
  | 'group-lookup-failed'
  | 'bad-since'
  | 'beyond-retention'
  | 'read-failed';

/** What happened, for metrics and logs (never contains user text beyond a known cluster name). */
export interface CommandEvent {
  subcommand: 'why-slow' | 'handoff' | 'status' | 'help' | 'invalid';
  outcome: CommandOutcome;
  reason?: RejectReason;
  cluster?: string;
  jobId?: string;
}

export interface IncomingCommand {
  text: string;
  channel: ChannelRef;
  userId: string;
}

export interface CommandDeps {
  config: Config;
  /** config.defaults.window, parsed once at start-up. */
  defaultWindowSeconds: number;
  enqueueDiagnosis: EnqueueDiagnosis;
  /** Absent when this front does not offer handoffs; the command then says so. */
  enqueueHandoff?: EnqueueHandoff;
  /** Reads the status lines from Redis; absent when this front has no watch state to read. */
  readStatus?: ReadStatus;
  userGroups: UserGroupDirectory;
  /** Past this, the queue counts as unavailable: Slack gives up on the acknowledgement after 3 s. */
  enqueueTimeoutMs: number;
  logger: Logger;
}

export interface CommandReply {
  text: string;
  event: CommandEvent;
}

export async function handleEtcdCommand(cmd: IncomingCommand, deps: CommandDeps): Promise<CommandReply> {
  const parsed = parseCommandText(cmd.text);
  const allowedHere = (): string[] => clustersForChannel(deps.config, cmd.channel);

  switch (parsed.kind) {
    case 'help':
      return { text: say.help(allowedHere()), event: { subcommand: 'help', outcome: 'help' } };
    case 'usage-error':
      return reject('invalid', 'usage', say.usageError(parsed.problem, allowedHere()));
    case 'handoff': {
      if (deps.enqueueHandoff === undefined) {
        return { text: say.handoffNotYet(), event: { subcommand: 'handoff', outcome: 'not-available' } };
      }
      const a = await handleHandoffCommand(parsed, cmd, { ...deps, enqueueHandoff: deps.enqueueHandoff });
      const cluster = a.ok ? (a.clusters.length === 1 ? a.clusters[0] : undefined) : a.cluster;
      const where = cluster === undefined ? {} : { cluster };
      if (a.ok) return { text: a.text, event: { subcommand: 'handoff', outcome: a.deduplicated ? 'deduplicated' : 'enqueued', jobId: a.jobId, ...where } };
      if (a.reason === 'queue-failed') return { text: a.text, event: { subcommand: 'handoff', outcome: 'queue-failed', ...where } };
      return reject('handoff', a.reason, a.text, cluster);
    }
    case 'status': {
      if (deps.readStatus === undefined) return { text: say.statusUnavailable(), event: { subcommand: 'status', outcome: 'not-available' } };
      const a = await handleStatusCommand(parsed, cmd, { ...deps, readStatus: deps.readStatus });
      const cluster = a.ok ? (a.clusters.length === 1 ? a.clusters[0] : undefined) : a.cluster;
      if (a.ok) return { text: a.text, event: { subcommand: 'status', outcome: 'answered', ...(cluster === undefined ? {} : { cluster }) } };
      return reject('status', a.reason, a.text, cluster);
    }
    case 'why-slow':
      break;
  }

  const name = parsed.cluster;
  const cluster = Object.hasOwn(deps.config.clusters, name) ? deps.config.clusters[name] : undefined;
  if (cluster === undefined) {
    const lower = name.toLowerCase();
    const suggestion = Object.hasOwn(deps.config.clusters, lower) ? lower : undefined;
    return reject('why-slow', 'unknown-cluster', say.unknownCluster(name, suggestion, allowedHere()));
  }
  if (!channelAllowed(cluster, cmd.channel)) {
    return reject('why-slow', 'channel-not-allowed', say.channelNotAllowed(name, allowedHere()), name);
  }

  let windowSeconds = deps.defaultWindowSeconds;
  if (parsed.window !== undefined) {
    const w = parseWindow(parsed.window);
    if (!w.ok) return reject('why-slow', 'bad-window', say.badWindow(w.reason, allowedHere()), name);
    windowSeconds = w.seconds;
  }

  const user = await userAllowed(cluster, cmd.userId, deps.userGroups);
  if (!user.ok) {
    if (user.reason === 'lookup-failed') {
      deps.logger.warn({ cluster: name, err: user.detail }, 'user group lookup failed');
      return reject('why-slow', 'group-lookup-failed', say.groupLookupFailed(name), name);
    }
    return reject('why-slow', 'user-not-allowed', say.notInUserGroup(name, cluster.slack?.userGroups ?? []), name);
  }

  const request: DiagnosisRequest = {
    cluster: name,
    windowSeconds,
    origin: {
      kind: 'slack-command',
      channelId: cmd.channel.id,
      userId: cmd.userId,
    },
  };
  const window = formatDuration(windowSeconds);
  try {
    const { jobId, deduplicated } = await withinDeadline(deps.enqueueDiagnosis(request), deps.enqueueTimeoutMs);
    return {
      text: say.investigating(name, window, deduplicated),
      event: { subcommand: 'why-slow', outcome: deduplicated ? 'deduplicated' : 'enqueued', cluster: name, jobId },
    };
  } catch (err) {
    deps.logger.error({ err, cluster: name }, 'could not enqueue diagnosis');
    return { text: say.couldNotQueue(name), event: { subcommand: 'why-slow', outcome: 'queue-failed', cluster: name } };
  }
}

function reject(
  subcommand: CommandEvent['subcommand'],
  reason: RejectReason,
  text: string,
  cluster?: string,
): CommandReply {
  return {
    text,
    event: { subcommand, outcome: 'rejected', reason, ...(cluster === undefined ? {} : { cluster }) },
  };
}
