import type { Diagnosis } from '../../diagnosis/types.js';
import type { IncidentEvent } from './events.js';
import type { GroupState } from './group-state.js';
import type { TimelineEvent, WhySlowEvent } from '../timeline/timeline-event.js';

/**
 * Turns what the bot sees or does into timeline events. Ids are derived from what identifies the
 * happening (group, thread, version; job id), never from the clock, so a retry writes the same id.
 */

/** The timeline events for one committed change of an alert group; none for groups with no cluster. */
export function alertTimelineEvents(events: readonly IncidentEvent[], g: GroupState): TimelineEvent[] {
  const cluster = g.cluster;
  if (cluster === null) return [];
  return events.map((e, i) => {
    const common = {
      id: `alert.${g.gid}.${e.incarnation}.${g.version}.${i}`,
      at: e.at,
      cluster,
      gid: g.gid,
      incarnation: e.incarnation,
      alertnames: e.alertnames,
      members: e.members,
      ...(e.severity === undefined ? {} : { severity: e.severity }),
      channel: g.channel,
      startsAt: g.firstFiringAt,
    };
    switch (e.kind) {
      case 'fired':
        return { ...common, kind: 'alert-fired' as const };
      case 'reopened':
        return { ...common, kind: 'alert-reopened' as const };
      case 'changed':
        return { ...common, kind: 'alert-changed' as const, added: e.added ?? [], resolved: e.resolved ?? [] };
      case 'resolved':
        return { ...common, kind: 'alert-resolved' as const, resolvedAt: g.resolvedAt ?? e.at };
      case 'triaged':
        return {
          ...common,
          kind: 'alert-triaged' as const,
          headline: e.verdict?.headline ?? '',
          healthy: e.verdict?.healthy ?? false,
          causes: e.verdict?.causes ?? [],
          ...(e.memberNames === undefined ? {} : { memberNames: e.memberNames }),
        };
    }
  });
}

export interface WhySlowRun {
  jobId: string;
  requestedBy?: string;
  channel?: string;
  parentTs?: string;
  windowSeconds: number;
}

/** A finished `why-slow`: who asked, where the answer is, what it concluded and what it suggested. */
export function whySlowTimelineEvent(d: Diagnosis, run: WhySlowRun, at = new Date()): WhySlowEvent {
  const top = d.causes[0];
  return {
    id: `why-slow.${run.jobId}`,
    at: at.toISOString(),
    cluster: d.cluster,
    kind: 'why-slow',
    ...(run.requestedBy === undefined ? {} : { requestedBy: run.requestedBy }),
    ...(run.channel === undefined ? {} : { channel: run.channel }),
    ...(run.parentTs === undefined ? {} : { parentTs: run.parentTs }),
    windowSeconds: run.windowSeconds,
    healthy: d.healthy,
    headline: d.headline,
    ...(top === undefined ? {} : { topCause: `${top.playbook}/${top.cause}` }),
    members: top?.members ?? [],
    suggestions: d.suggestions.slice(0, 5).map((s) => ({
      id: `${s.playbook}/${s.id}`,
      text: s.text,
      ...(s.command === undefined ? {} : { command: s.command }),
    })),
  };
}
