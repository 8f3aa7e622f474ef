import type { LogEvent, LogEventKind } from '../types.js';

export type KindCounts = Partial<Record<LogEventKind, number>>;

export interface EventCounts {
  byMember: Record<string, KindCounts>;
  total: KindCounts;
}

/** How many events of each kind each member logged (zap samples floods: these are lower bounds). */
export function countEvents(events: readonly LogEvent[]): EventCounts {
  const byMember: Record<string, KindCounts> = {};
  const total: KindCounts = {};
  for (const e of events) {
    const m = (byMember[e.member] ??= {});
    m[e.kind] = (m[e.kind] ?? 0) + 1;
    total[e.kind] = (total[e.kind] ?? 0) + 1;
  }
  return { byMember, total };
}
