import type { Logger } from 'pino';
import type { GroupState } from '../../../incidents/alerts/group-state.js';
import * as answer from './answers.js';
import type { ActionDeps, AlertThreads, Click } from './click.js';

/** The alert group a button belongs to, or the answer when there is none to act on. */
export async function clickedGroup(click: Click, deps: ActionDeps): Promise<{ alerts: AlertThreads; group: GroupState } | { refusal: string }> {
  if (deps.alerts === undefined) return { refusal: answer.alertsUnavailable() };
  if (click.value.g === undefined) return { refusal: answer.unreadable() };
  const group = await deps.alerts.store.group(click.value.g);
  // The group must belong to the cluster the click was authorised for.
  if (group === undefined || group.cluster !== click.clusterName) return { refusal: answer.groupGone() };
  return { alerts: deps.alerts, group };
}

/**
 * Changes a group's state under its lock and queues the edit of its thread's parent. `change` sees the
 * current state and returns the next, or undefined to leave it as it is.
 */
export async function updateGroup(
  alerts: AlertThreads,
  gid: string,
  change: (g: GroupState) => GroupState | undefined,
  logger: Logger,
): Promise<GroupState | undefined> {
  const lock = await alerts.store.lockGroup(gid);
  let next: GroupState | undefined;
  try {
    const g = await alerts.store.group(gid);
    if (g === undefined) return undefined;
    const changed = change(g);
    if (changed === undefined) return undefined;
    next = { ...changed, version: g.version + 1 };
    await alerts.store.commit(next, { events: [], replies: [] });
  } finally {
    await lock.release();
  }
  // The change is stored: if the queue is away now, the group's next change brings the parent up to date.
  await alerts
    .requestDelivery({ gid: next.gid, incarnation: next.incarnation, version: next.version })
    .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err), gid }, 'could not queue the parent edit'));
  return next;
}
