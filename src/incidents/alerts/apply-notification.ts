import type { IncidentEvent } from './events.js';
import { firingAlerts, uniqueSorted, worstSeverity, type AlertState, type GroupState } from './group-state.js';
import type { Notification, NotificationAlert } from './notification.js';

/** What a thread reply should say; rendered by the caller (report/), stored, then delivered. */
export type ReplyIntent =
  | { kind: 'changed'; added: AlertState[]; resolved: AlertState[] }
  | { kind: 'resolved'; durationMs: number }
  | { kind: 'reopened'; added: AlertState[] };

export interface ApplyContext {
  gid: string;
  cluster: string | null;
  channel: string;
  /** Label naming a member on this cluster's alerts (instance by default). */
  memberLabel: string;
  reopenWithinMs: number;
}

export interface ApplyResult {
  next: GroupState;
  /** True when anything changed; false for an identical re-send or a stale notification. */
  changed: boolean;
  newThread: boolean;
  replies: ReplyIntent[];
  events: IncidentEvent[];
  /** Set when a triage should run for these alert names (a new thread, a reopen, a new alert name). */
  triage?: { alertnames: string[]; members: string[] };
}

/**
 * The group → thread state machine, pure: given what is stored (or nothing) and a notification, the
 * next state and what to say. Alertmanager sends the whole group every time, so a notification is a
 * snapshot; one older than the last applied is stale and ignored (retries can arrive late).
 */
export function applyNotification(prev: GroupState | undefined, n: Notification, ctx: ApplyContext): ApplyResult {
  const unchanged = (g: GroupState): ApplyResult => ({ next: g, changed: false, newThread: false, replies: [], events: [] });
  if (prev !== undefined && n.receivedAt < prev.lastReceivedAt) return unchanged(prev);

  const now = new Date(n.receivedAt).toISOString();
  const seen = n.alerts.map((a) => toAlertState(a, ctx.memberLabel, now));
  const firingNow = seen.filter((a) => a.status === 'firing');

  const expired =
    prev !== undefined &&
    prev.status === 'resolved' &&
    n.receivedAt - Date.parse(prev.resolvedAt ?? prev.firstFiringAt) > ctx.reopenWithinMs;

  // A group never seen, or one resolved long ago that fires again: a new thread.
  if (prev === undefined || (expired && firingNow.length > 0)) {
    const alerts = Object.fromEntries(seen.map((a) => [a.fingerprint, a]));
    const resolvedAll = n.status === 'resolved' || firingNow.length === 0;
    const firstFiringAt = earliest(seen.map((a) => a.startsAt)) ?? now;
    const next: GroupState = {
      gid: ctx.gid,
      groupKey: n.groupKey,
      cluster: ctx.cluster,
      channel: ctx.channel,
      incarnation: (prev?.incarnation ?? 0) + 1,
      status: resolvedAll ? 'resolved' : 'firing',
      firstFiringAt,
      ...(resolvedAll ? { resolvedAt: latest(seen.map((a) => a.resolvedAt ?? now)) ?? now } : {}),
      reopened: 0,
      lastReceivedAt: n.receivedAt,
      groupLabels: n.groupLabels,
      externalURL: n.externalURL,
      alerts,
      ...(n.truncatedAlerts > 0 ? { truncatedAlerts: n.truncatedAlerts } : {}),
      version: (prev?.version ?? 0) + 1,
      triageSeq: prev?.triageSeq ?? 0,
    };
    const events: IncidentEvent[] = [event(next, 'fired', now, Object.values(alerts))];
    const replies: ReplyIntent[] = [];
    if (resolvedAll) {
      events.push(event(next, 'resolved', now, Object.values(alerts)));
      replies.push({ kind: 'resolved', durationMs: durationOf(next) });
      return { next, changed: true, newThread: true, replies, events };
    }
    return { next, changed: true, newThread: true, replies, events, triage: triageFor(firingNow) };
  }

  // Same thread: merge the snapshot into what we know.
  const alerts: Record<string, AlertState> = { ...prev.alerts };
  const added: AlertState[] = [];
  const resolved: AlertState[] = [];
  for (const a of seen) {
    const before = alerts[a.fingerprint];
    if (a.status === 'firing' && before?.status !== 'firing') added.push(a);
    if (a.status === 'resolved' && before?.status === 'firing') resolved.push(a);
    if (before === undefined || before.status !== a.status) alerts[a.fingerprint] = a;
  }
  // The snapshot lists every alert still in the group; one that was firing and is gone has resolved
  // (unless Alertmanager truncated the list, when absence proves nothing).
  if (n.truncatedAlerts === 0) {
    const present = new Set(seen.map((a) => a.fingerprint));
    for (const a of Object.values(alerts)) {
      if (a.status === 'firing' && !present.has(a.fingerprint)) {
        const r: AlertState = { ...a, status: 'resolved', resolvedAt: now };
        alerts[a.fingerprint] = r;
        resolved.push(r);
      }
    }
  }
  if (n.status === 'resolved') {
    for (const a of Object.values(alerts)) {
      if (a.status === 'firing') {
        const r: AlertState = { ...a, status: 'resolved', resolvedAt: now };
        alerts[a.fingerprint] = r;
        resolved.push(r);
      }
    }
  }

  const stillFiring = Object.values(alerts).some((a) => a.status === 'firing');
  const base: GroupState = { ...prev, alerts, lastReceivedAt: n.receivedAt };
  if (n.truncatedAlerts > 0) base.truncatedAlerts = n.truncatedAlerts;
  else delete base.truncatedAlerts;
  // Only the number of alerts left out changed: the parent's count is edited, nothing is said in the thread.
  const truncationChanged = (prev.truncatedAlerts ?? 0) !== n.truncatedAlerts;

  if (prev.status === 'resolved') {
    if (!stillFiring || added.length === 0) return unchanged({ ...prev, lastReceivedAt: n.receivedAt });
    const next: GroupState = { ...base, status: 'firing', reopened: prev.reopened + 1, version: prev.version + 1 };
    delete next.resolvedAt;
    return {
      next,
      changed: true,
      newThread: false,
      replies: [{ kind: 'reopened', added }],
      events: [event(next, 'reopened', now, added)],
      triage: triageFor(firingAlerts(next)),
    };
  }

  if (added.length === 0 && resolved.length === 0) {
    if (truncationChanged && stillFiring) return { next: { ...base, version: prev.version + 1 }, changed: true, newThread: false, replies: [], events: [] };
    return unchanged({ ...prev, lastReceivedAt: n.receivedAt });
  }

  if (!stillFiring) {
    const resolvedAt = latest(resolved.map((a) => a.resolvedAt ?? now)) ?? now;
    const next: GroupState = { ...base, status: 'resolved', resolvedAt, version: prev.version + 1 };
    return {
      next,
      changed: true,
      newThread: false,
      replies: [{ kind: 'resolved', durationMs: durationOf(next) }],
      events: [event(next, 'resolved', now, Object.values(alerts))],
    };
  }

  const next: GroupState = { ...base, version: prev.version + 1 };
  const knownNames = new Set(Object.values(prev.alerts).map((a) => a.alertname));
  const newNames = uniqueSorted(added.map((a) => a.alertname)).filter((n) => !knownNames.has(n));
  const ev = event(next, 'changed', now, firingAlerts(next));
  ev.added = added.map(label);
  ev.resolved = resolved.map(label);
  return {
    next,
    changed: true,
    newThread: false,
    replies: [{ kind: 'changed', added, resolved }],
    events: [ev],
    // A new kind of alert is a new question; more members with the same alert are shown in the reply.
    ...(newNames.length > 0 ? { triage: triageFor(added.filter((a) => newNames.includes(a.alertname))) } : {}),
  };
}

function toAlertState(a: NotificationAlert, memberLabel: string, now: string): AlertState {
  const member = a.labels[memberLabel] ?? a.labels['instance'] ?? a.labels['pod'];
  const summary = a.annotations['summary'] ?? a.annotations['description'];
  const endsAt = Date.parse(a.endsAt);
  return {
    fingerprint: a.fingerprint,
    alertname: a.labels['alertname'] ?? 'unnamed',
    ...(a.labels['severity'] === undefined ? {} : { severity: a.labels['severity'] }),
    ...(member === undefined ? {} : { member }),
    status: a.status,
    startsAt: new Date(Date.parse(a.startsAt)).toISOString(),
    ...(a.status === 'resolved' ? { resolvedAt: endsAt > 0 ? new Date(endsAt).toISOString() : now } : {}),
    ...(summary === undefined ? {} : { summary }),
  };
}

function triageFor(alerts: AlertState[]): { alertnames: string[]; members: string[] } {
  return { alertnames: uniqueSorted(alerts.map((a) => a.alertname)), members: uniqueSorted(alerts.map((a) => a.member)) };
}

const label = (a: AlertState): string => (a.member === undefined ? a.alertname : `${a.alertname}@${a.member}`);

function event(g: GroupState, kind: IncidentEvent['kind'], at: string, alerts: AlertState[]): IncidentEvent {
  const severity = worstSeverity(alerts);
  return {
    at,
    kind,
    gid: g.gid,
    incarnation: g.incarnation,
    cluster: g.cluster,
    alertnames: uniqueSorted(alerts.map((a) => a.alertname)),
    members: uniqueSorted(alerts.map((a) => a.member)),
    ...(severity === undefined ? {} : { severity }),
  };
}

export function durationOf(g: GroupState): number {
  const end = g.resolvedAt === undefined ? Number.NaN : Date.parse(g.resolvedAt);
  const d = end - Date.parse(g.firstFiringAt);
  return Number.isFinite(d) && d > 0 ? d : 0;
}

const earliest = (xs: string[]): string | undefined => [...xs].sort()[0];
const latest = (xs: string[]): string | undefined => [...xs].sort().at(-1);
