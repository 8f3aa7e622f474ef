import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';

/** Finds an already posted parent by its metadata key (SlackDelivery.findParent, or findReply for a message in a thread). */
export type ParentFinder = (channel: string, key: string, sinceMs: number) => Promise<string | undefined>;

/** Finds an already posted reply in one thread by its metadata key (SlackDelivery.findReply). */
export type ReplyFinder = (channel: string, threadTs: string, key: string, sinceMs: number) => Promise<string | undefined>;

export type ParentKind = 'alert' | 'why-slow' | 'handoff' | 'watch';

export interface ParentRecovery {
  /** Which thread's message (a reply or chart counts under the kind of its thread). */
  kind: ParentKind;
  /** What is looked for, in the log: a parent (default), a reply, a chart, or the line saying a chart is missing. */
  what?: 'parent' | 'reply' | 'chart' | 'missing-chart line';
  channel: string;
  key: string;
  /** When the first attempt that may have posted began (unix ms): history older than this is not read. */
  sinceMs: number;
}

/**
 * Called only when an earlier attempt started posting this parent and never recorded its ts (it was
 * killed, or the answer was lost): returns the ts of the parent Slack already has, to adopt it, or
 * undefined to post. A failed lookup (no channels:history scope, the bot not in the channel, Slack
 * down) is logged and counted and also returns undefined: a second parent beats a missing one.
 */
export async function recoverParent(
  find: ParentFinder | undefined,
  r: ParentRecovery,
  deps: { metrics: Metrics; logger: Logger },
): Promise<string | undefined> {
  const what = r.what ?? 'parent';
  const log = deps.logger.child({ component: 'parent-recovery', kind: r.kind, channel: r.channel, key: r.key });
  if (find === undefined) {
    deps.metrics.parentLookups.inc({ kind: r.kind, outcome: 'failed' });
    log.warn(`cannot look for a ${what} an earlier attempt may have posted: posting it`);
    return undefined;
  }
  try {
    const ts = await find(r.channel, r.key, r.sinceMs);
    deps.metrics.parentLookups.inc({ kind: r.kind, outcome: ts === undefined ? 'not_found' : 'adopted' });
    if (ts === undefined) log.info(`an earlier attempt did not post the ${what}: posting it`);
    else log.info({ ts }, `${what} posted by an earlier attempt found in Slack: adopting it`);
    return ts;
  } catch (err) {
    deps.metrics.parentLookups.inc({ kind: r.kind, outcome: 'failed' });
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      `could not read the channel or thread to find a ${what} an earlier attempt may have posted (channels:history / groups:history scope?): posting it`,
    );
    return undefined;
  }
}

/**
 * The same for a reply: an earlier attempt stored that it was about to post the reply keyed `r.key` in
 * thread `threadTs` and never recorded it posted. Returns the ts of the reply Slack already has in that
 * thread (the caller then counts it as posted), or undefined to post it.
 */
export function recoverReply(
  find: ReplyFinder | undefined,
  threadTs: string,
  r: ParentRecovery,
  deps: { metrics: Metrics; logger: Logger },
): Promise<string | undefined> {
  return recoverParent(find === undefined ? undefined : (channel, key, sinceMs) => find(channel, threadTs, key, sinceMs), { what: 'reply', ...r }, deps);
}
