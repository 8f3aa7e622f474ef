import { isAlertEvent, isWatchEvent, type ActionEvent, type AlertTimelineEvent, type TimelineEvent, type WhySlowEvent } from '../incidents/timeline/timeline-event.js';
import { spanText } from './time-text.js';
import type { ClusterHandoff, HealthNow, IncidentSummary, OpenItem, SilenceSummary, Trend, WarningSummary, WhySlowSummary } from './summary.js';

/**
 * Builds one cluster's handoff from what was gathered. Pure: no clock, no I/O; the same inputs give
 * the same summary, which is what the unit tests and the benchmark rely on.
 */
export interface ClusterHandoffInput {
  cluster: string;
  sinceMs: number;
  untilMs: number;
  /** Timeline events within the period, oldest first. */
  events: readonly TimelineEvent[];
  /** Latest event of every alert group still firing (some started before the period). */
  open: readonly AlertTimelineEvent[];
  /** Thread permalinks by `channel/ts`, and why-slow permalinks likewise. */
  permalinks: ReadonlyMap<string, string>;
  /** Thread timestamps by incident id, where the thread exists. */
  threads: ReadonlyMap<string, string>;
  health: HealthNow;
  trends: Trend[];
  watch: string[];
  silences: SilenceSummary[];
  notes: string[];
  maxIncidents: number;
}

/** why-slow runs listed per cluster; the newest are the ones that matter at handoff. */
export const WHY_SLOW_LISTED = 10;

export const incidentId = (e: { gid: string; incarnation: number }): string => `${e.gid}.${e.incarnation}`;
export const linkKey = (channel: string, ts: string): string => `${channel}/${ts}`;

interface Building {
  summary: Omit<IncidentSummary, 'duration_seconds' | 'started_in_period' | 'permalink'>;
  resolvedMs?: number;
  /** Member label values → the names a triage gave them (pod, node). */
  names?: Record<string, string>;
}

export function buildClusterHandoff(input: ClusterHandoffInput): ClusterHandoff {
  const incidents = collectIncidents(input);
  const runs = input.events.filter((e): e is WhySlowEvent => e.kind === 'why-slow');
  const whySlow = runs.slice(-WHY_SLOW_LISTED).map((e) => whySlowSummary(e, input.permalinks));
  const warnings = collectWarnings(input.events);
  const firedInPeriod = incidents.filter((i) => i.started_in_period).length;
  const open = incidents.filter((i) => i.status === 'open');
  const resolved = incidents.filter((i) => i.status === 'resolved');
  const sorted = [
    ...open.sort((a, b) => b.duration_seconds - a.duration_seconds),
    ...resolved.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at)),
  ];
  const listed = sorted.slice(0, input.maxIncidents);

  const items: OpenItem[] = [];
  for (const i of open) {
    items.push({
      kind: 'incident',
      incident: i.id,
      text: `${i.alertnames.join(', ')} firing for ${spanText(i.duration_seconds)}${i.members.length > 0 ? ` on ${i.members.join(', ')}` : ''}`,
    });
  }
  for (const w of warnings.filter((x) => x.status === 'open')) {
    items.push({ kind: 'warning', warning: w.warning_id, text: `early warning open since ${w.since.slice(11, 16)} UTC: ${w.causes.join('; ')}` });
  }
  for (const s of unconfirmedSuggestions(input.events)) items.push(s);
  for (const s of input.silences) items.push({ kind: 'silence', silence: s.id, text: `silence ${s.matchers} expires in ${spanText(s.expires_in_seconds)}` });
  for (const w of input.watch) items.push({ kind: 'watch', text: w });
  if (input.health.status === 'unhealthy') items.push({ kind: 'health', text: `unhealthy now: ${input.health.headline}` });
  if (input.health.status === 'unknown') items.push({ kind: 'health', text: `health now unknown: ${input.health.reason}` });

  return {
    cluster: input.cluster,
    quiet: incidents.length === 0 && runs.length === 0 && warnings.length === 0,
    counts: { fired: firedInPeriod, resolved: resolved.length, open: open.length, why_slow: runs.length },
    incidents: listed,
    incidents_not_listed: sorted.length - listed.length,
    why_slow: whySlow,
    why_slow_not_listed: runs.length - whySlow.length,
    warnings,
    health: input.health,
    trends: input.trends,
    silences: input.silences,
    open_items: items,
    nothing_outstanding: items.length === 0 && input.health.status === 'healthy',
    notes: input.notes,
  };
}

/** Alert group threads touched in the period or still open, folded from their events in order. */
function collectIncidents(input: ClusterHandoffInput): IncidentSummary[] {
  const byId = new Map<string, Building>();
  const apply = (e: AlertTimelineEvent): void => {
    const id = incidentId(e);
    const b = byId.get(id) ?? {
      summary: { id, alertnames: [], members: [], status: 'open', started_at: e.startsAt, channel: e.channel },
    };
    const s = b.summary;
    s.alertnames = union(s.alertnames, e.alertnames);
    s.members = union(s.members, e.members);
    if (e.severity !== undefined) s.severity = e.severity;
    s.started_at = e.startsAt;
    switch (e.kind) {
      case 'alert-fired':
      case 'alert-reopened':
      case 'alert-changed':
        s.status = 'open';
        delete s.resolved_at;
        delete b.resolvedMs;
        break;
      case 'alert-resolved':
        s.status = 'resolved';
        s.resolved_at = e.resolvedAt;
        b.resolvedMs = Date.parse(e.resolvedAt);
        break;
      case 'alert-triaged':
        s.verdict = e.headline;
        s.verdict_healthy = e.healthy;
        if (e.memberNames !== undefined) b.names = { ...b.names, ...e.memberNames };
        break;
    }
    byId.set(id, b);
  };
  for (const e of input.events) if (isAlertEvent(e)) apply(e);
  // The open set is the present truth: a group in it is firing, whatever the period's events said.
  for (const e of input.open) {
    if (!byId.has(incidentId(e))) apply(e);
    const b = byId.get(incidentId(e))!;
    b.summary.status = 'open';
    delete b.summary.resolved_at;
    delete b.resolvedMs;
  }
  return [...byId.values()].map((b) => {
    const startMs = Date.parse(b.summary.started_at);
    const endMs = b.resolvedMs ?? input.untilMs;
    const ts = input.threads.get(b.summary.id);
    const permalink = ts === undefined ? undefined : input.permalinks.get(linkKey(b.summary.channel, ts));
    return {
      ...b.summary,
      // Alerts name members by address; a triage learnt the names people know them by.
      members: union([], b.summary.members.map((m) => b.names?.[m] ?? m)),
      duration_seconds: Math.max(0, Math.round((endMs - startMs) / 1000)),
      started_in_period: startMs >= input.sinceMs,
      ...(permalink === undefined ? {} : { permalink }),
    };
  });
}

function whySlowSummary(e: WhySlowEvent, links: ReadonlyMap<string, string>): WhySlowSummary {
  const permalink = e.channel !== undefined && e.parentTs !== undefined ? links.get(linkKey(e.channel, e.parentTs)) : undefined;
  return {
    at: e.at,
    ...(e.requestedBy === undefined ? {} : { requested_by: e.requestedBy }),
    window_seconds: e.windowSeconds,
    healthy: e.healthy,
    headline: e.headline,
    ...(e.topCause === undefined ? {} : { top_cause: e.topCause }),
    members: e.members,
    ...(permalink === undefined ? {} : { permalink }),
  };
}

/**
 * What why-slow runs suggested and nobody marked done: the latest run's wording per suggestion, minus
 * those confirmed with the "done" button (a `suggestion-done` action naming the suggestion id).
 */
function unconfirmedSuggestions(events: readonly TimelineEvent[]): OpenItem[] {
  const done = new Set(
    events.filter((e): e is ActionEvent => e.kind === 'action' && e.action === 'suggestion-done').map((e) => e.ref),
  );
  const latest = new Map<string, OpenItem & { kind: 'suggestion' }>();
  for (const e of events) {
    if (e.kind !== 'why-slow' || e.healthy) continue;
    for (const s of e.suggestions) {
      latest.delete(s.id);
      latest.set(s.id, { kind: 'suggestion', id: s.id, text: s.text, ...(s.command === undefined ? {} : { command: s.command }) });
    }
  }
  return [...latest.values()].filter((s) => !done.has(s.id)).reverse().slice(0, 5);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** One entry per warning with events in the period, as its latest event says, newest onset first. */
function collectWarnings(events: readonly TimelineEvent[]): WarningSummary[] {
  const latest = new Map<string, WarningSummary>();
  for (const e of events) {
    if (!isWatchEvent(e)) continue;
    latest.set(e.warningId, {
      warning_id: e.warningId,
      since: e.since,
      status: e.kind === 'watch-recovered' ? 'recovered' : 'open',
      ...(e.recoveredAt === undefined ? {} : { recovered_at: e.recoveredAt }),
      causes: e.summaries,
    });
  }
  return [...latest.values()].sort((a, b) => Date.parse(b.since) - Date.parse(a.since));
}
