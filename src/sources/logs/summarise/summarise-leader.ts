import type { LeaderChange, LogEvent, LogEventOf } from '../types.js';

export interface LeaderTimelineEntry {
  time: number;
  timeText: string;
  member: string;
  change: LeaderChange;
  term: number | null;
  nodeId: string | null;
  leaderId: string | null;
  previousLeaderId: string | null;
}

export interface LeaderTerm {
  term: number;
  /** The leader of this term as reported by the members (null: no leader was elected in it). */
  leaderId: string | null;
  firstSeen: number;
}

export interface NoLeaderInterval {
  member: string;
  from: number;
  /** null: no leader again before the end of the logs we have. */
  to: number | null;
}

export interface LeaderTimeline {
  /** Leadership events in time order (follower/candidate transitions included: they show elections). */
  entries: LeaderTimelineEntry[];
  terms: LeaderTerm[];
  /** Leader elections seen in the window: terms in which some member reported a leader. */
  leaderChanges: number;
  /** Elections started (by any member): many with few leader changes means failed elections. */
  electionsStarted: number;
  /** Per member: from `lost leader` to the next `elected`/`changed`. */
  noLeader: NoLeaderInterval[];
}

const HAS_LEADER: ReadonlySet<LeaderChange> = new Set(['elected', 'changed', 'became-leader']);

export function summariseLeaderTimeline(events: readonly LogEvent[]): LeaderTimeline {
  const leaders = events.filter((e): e is LogEventOf<'leader'> => e.kind === 'leader').sort((a, b) => a.time - b.time);
  const entries: LeaderTimelineEntry[] = leaders.map((e) => ({
    time: e.time,
    timeText: e.timeText,
    member: e.member,
    change: e.change,
    term: e.term,
    nodeId: e.nodeId,
    leaderId: e.leaderId,
    previousLeaderId: e.previousLeaderId,
  }));

  const terms = new Map<number, LeaderTerm>();
  for (const e of leaders) {
    if (e.term === null) continue;
    const t = terms.get(e.term) ?? { term: e.term, leaderId: null, firstSeen: e.time };
    if (HAS_LEADER.has(e.change) && e.leaderId !== null) t.leaderId = e.leaderId;
    terms.set(e.term, t);
  }
  const ordered = [...terms.values()].sort((a, b) => a.term - b.term);
  const leaderChanges = ordered.filter((t) => t.leaderId !== null).length;

  const noLeader: NoLeaderInterval[] = [];
  const open = new Map<string, NoLeaderInterval>();
  for (const e of leaders) {
    if (e.change === 'lost' && !open.has(e.member)) {
      const gap: NoLeaderInterval = { member: e.member, from: e.time, to: null };
      open.set(e.member, gap);
      noLeader.push(gap);
    } else if ((e.change === 'elected' || e.change === 'changed') && open.has(e.member)) {
      open.get(e.member)!.to = e.time;
      open.delete(e.member);
    }
  }

  return {
    entries,
    terms: ordered,
    leaderChanges,
    electionsStarted: leaders.filter((e) => e.change === 'election-started').length,
    noLeader,
  };
}
