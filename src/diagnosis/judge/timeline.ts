import type { LogEvent, LogEventKind } from '../../sources/logs/types.js';
import type { ClusterContext } from '../evidence/context.js';
import type { CheckResult, TimelineEntry } from '../types.js';

/** Log events worth a line in the timeline: what an engineer looks for first in the logs. */
const NOTABLE: Partial<Record<LogEventKind, string>> = {
  'slow-fdatasync': '"slow fdatasync"',
  'heartbeat-late': 'late leader heartbeat',
  'apply-slow': '"apply request took too long"',
  'dropped-raft-message': 'dropped raft message (buffer full)',
  'prober-unhealthy': 'peer prober unhealthy',
  'peer-inactive': 'peer became inactive',
  'stream-lost': 'lost peer stream',
  'readindex-retry': 'ReadIndex retry',
  'readindex-timeout': 'ReadIndex timed out',
  'quota-alarm': 'NOSPACE alarm',
  'clock-drift': 'clock drift',
};

/**
 * Metric spikes and log events on one time line, so cause and effect can be read in order: "fsync
 * spikes on etcd-2 at 03:12:40 precede the leader change at 03:12:42". Each kind of log warning gives
 * one line per member (its first occurrence, with the count); leadership changes each get their own.
 */
export function buildTimeline(checks: CheckResult[], events: readonly LogEvent[], ctx: ClusterContext, max = 14): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const c of checks) {
    for (const v of c.values) {
      if (v.at && v.severity !== 'ok') entries.push({ at: v.at, member: v.member, text: `${c.title} peaked at ${v.formatted} on ${v.member}` });
    }
  }
  const firsts = new Map<string, { e: LogEvent; n: number }>();
  for (const e of events) {
    if (e.kind === 'leader') {
      if (e.change === 'elected' || e.change === 'changed' || e.change === 'lost') {
        const who = (id: string | null): string => (id === null ? '?' : (ctx.nameById.get(id) ?? id));
        const text =
          e.change === 'lost'
            ? `${e.member} lost its leader ${who(e.leaderId)} (term ${e.term ?? '?'})`
            : `${e.member} sees ${who(e.leaderId)} as leader (term ${e.term ?? '?'})`;
        entries.push({ at: new Date(e.time).toISOString(), member: e.member, text });
      }
      continue;
    }
    if (!NOTABLE[e.kind]) continue;
    const key = `${e.member}\u0000${e.kind}`;
    const seen = firsts.get(key);
    if (seen) seen.n++;
    else firsts.set(key, { e, n: 1 });
  }
  for (const { e, n } of firsts.values()) {
    entries.push({ at: new Date(e.time).toISOString(), member: e.member, text: `first ${NOTABLE[e.kind]} on ${e.member}${n > 1 ? ` (${n} in the window)` : ''}` });
  }
  entries.sort((a, b) => a.at.localeCompare(b.at));
  // Keep the start of the story: the first entries are the ones that tell what came first.
  return entries.slice(0, max);
}
