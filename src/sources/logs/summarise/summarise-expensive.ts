import { keyPrefix } from './key-prefix.js';
import type { LogEvent, LogEventOf, RequestAccess } from '../types.js';

/**
 * The expensive-requests view: slow requests grouped by key range prefix, with the time, the bytes and
 * the trace step that ate the time.
 *
 * One slow request can appear three times (apply-slow, a trace, and in 3.5+ request stats). apply-slow
 * is the primary record (it exists in every version and format); a trace on the same member within a
 * few ms with the same key adds where the time went; a request-stats line for the same key adds the
 * response size when the apply line lacks it, and counts as its own request only when nothing matches.
 * A trace with no apply line is a request of its own: a 3.4.23 put that waited 340 ms for raft logs a
 * `put` trace ('process raft request') and no apply warning, since the apply itself was fast.
 */

export interface ExpensiveRequestGroup {
  prefix: string;
  count: number;
  totalMs: number;
  maxMs: number;
  totalResponseBytes: number;
  maxResponseCount: number | null;
  reads: number;
  writes: number;
  members: string[];
  /** Total time per trace step over the matched traces. */
  stepMs: Record<string, number>;
  /** The step with the most time: 'range keys from bolt db', 'agreement among raft nodes…', … */
  dominantStep: string | null;
  /** One request text of the group, the slowest, for the report. */
  example: string;
}

export interface ExpensiveRequestOptions {
  top?: number;
  access?: RequestAccess | 'all';
}

const TRACE_MATCH_MS = 10;
const STATS_MATCH_SLACK_MS = 50;

type ApplySlow = LogEventOf<'apply-slow'>;
type Trace = LogEventOf<'trace'>;
type Stats = LogEventOf<'request-stats'>;

interface Item {
  member: string;
  prefix: string;
  ms: number;
  bytes: number | null;
  count: number | null;
  access: RequestAccess;
  text: string;
  trace: Trace | null;
}

function byMember<T extends LogEvent>(events: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const e of events) {
    const list = m.get(e.member) ?? [];
    list.push(e);
    m.set(e.member, list);
  }
  return m;
}

/** First index with time >= t in a list sorted by time. */
function lowerBound(list: readonly LogEvent[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `traces` is sorted by time: only the few within TRACE_MATCH_MS are looked at. */
function findTrace(a: ApplySlow, traces: Trace[] | undefined, used: Set<Trace>): Trace | null {
  if (!traces) return null;
  let best: Trace | null = null;
  for (let i = lowerBound(traces, a.time - TRACE_MATCH_MS); i < traces.length; i++) {
    const t = traces[i]!;
    if (t.time > a.time + TRACE_MATCH_MS) break;
    if (used.has(t)) continue;
    if (t.key !== null && a.key !== null && t.key !== a.key) continue;
    if (best === null || Math.abs(t.time - a.time) < Math.abs(best.time - a.time)) best = t;
  }
  if (best) used.add(best);
  return best;
}

function statsMatch(s: Stats, a: ApplySlow): boolean {
  const spent = s.timeSpentMs ?? 0;
  return s.member === a.member && s.key === a.key && a.time >= s.time - spent - STATS_MATCH_SLACK_MS && a.time <= s.time + STATS_MATCH_SLACK_MS;
}

export function summariseExpensiveRequests(
  events: readonly LogEvent[],
  opts: ExpensiveRequestOptions = {},
): ExpensiveRequestGroup[] {
  const applies = events.filter((e): e is ApplySlow => e.kind === 'apply-slow');
  const traces = byMember(
    events.filter((e): e is Trace => e.kind === 'trace' && e.op !== 'linearizableReadLoop').sort((x, y) => x.time - y.time),
  );
  const stats = events.filter((e): e is Stats => e.kind === 'request-stats');
  const usedTraces = new Set<Trace>();
  const items: Item[] = [];
  const itemOf = new Map<ApplySlow, Item>();
  const appliesByMember = byMember([...applies].sort((x, y) => x.time - y.time));

  for (const a of applies) {
    const trace = findTrace(a, traces.get(a.member), usedTraces);
    const item: Item = {
      member: a.member,
      prefix: keyPrefix(a.key, a.rangeEnd),
      ms: a.tookMs,
      bytes: a.responseSize,
      count: a.responseCount ?? trace?.responseCount ?? null,
      access: a.access,
      text: a.request,
      trace,
    };
    items.push(item);
    itemOf.set(a, item);
  }
  for (const list of traces.values()) {
    for (const t of list) {
      if (usedTraces.has(t) || t.durationMs === null) continue;
      const read = t.op === 'range' || (t.op === 'transaction' && t.detail['read_only'] === 'true');
      items.push({
        member: t.member,
        prefix: keyPrefix(t.key, t.rangeEnd),
        ms: t.durationMs,
        bytes: null,
        count: t.responseCount,
        access: read ? 'read-only' : 'write',
        text: `${t.opText} ${t.key ?? ''}`.trim(),
        trace: t,
      });
    }
  }
  for (const s of stats) {
    const candidates = appliesByMember.get(s.member) ?? [];
    let match: ApplySlow | undefined;
    for (let i = lowerBound(candidates, s.time - (s.timeSpentMs ?? 0) - STATS_MATCH_SLACK_MS); i < candidates.length; i++) {
      const a = candidates[i]!;
      if (a.time > s.time + STATS_MATCH_SLACK_MS) break;
      if (statsMatch(s, a)) {
        match = a;
        break;
      }
    }
    if (match) {
      const item = itemOf.get(match)!;
      if (item.bytes === null) item.bytes = s.responseSize;
      continue;
    }
    const read = s.responseType === null || /\/(Range|Txn)$/.test(s.responseType);
    items.push({
      member: s.member,
      prefix: keyPrefix(s.key, s.rangeEnd),
      ms: s.timeSpentMs ?? 0,
      bytes: s.responseSize,
      count: s.responseCount,
      access: read ? 'read-only' : 'write',
      text: s.requestContent ?? '',
      trace: null,
    });
  }

  const access = opts.access ?? 'all';
  const groups = new Map<string, ExpensiveRequestGroup & { slowest: number }>();
  for (const it of items) {
    if (access !== 'all' && it.access !== access) continue;
    const g =
      groups.get(it.prefix) ??
      {
        prefix: it.prefix,
        count: 0,
        totalMs: 0,
        maxMs: 0,
        totalResponseBytes: 0,
        maxResponseCount: null,
        reads: 0,
        writes: 0,
        members: [],
        stepMs: {},
        dominantStep: null,
        example: it.text,
        slowest: -1,
      };
    g.count++;
    g.totalMs += it.ms;
    if (it.ms > g.slowest) {
      g.slowest = it.ms;
      g.example = it.text;
    }
    g.maxMs = Math.max(g.maxMs, it.ms);
    g.totalResponseBytes += it.bytes ?? 0;
    if (it.count !== null) g.maxResponseCount = Math.max(g.maxResponseCount ?? 0, it.count);
    if (it.access === 'read-only') g.reads++;
    else g.writes++;
    if (!g.members.includes(it.member)) g.members.push(it.member);
    for (const step of it.trace?.steps ?? []) g.stepMs[step.name] = (g.stepMs[step.name] ?? 0) + step.durationMs;
    groups.set(it.prefix, g);
  }

  const out: ExpensiveRequestGroup[] = [];
  for (const { slowest: _slowest, ...g } of groups.values()) {
    let best: string | null = null;
    for (const [name, ms] of Object.entries(g.stepMs)) if (best === null || ms > g.stepMs[best]!) best = name;
    g.dominantStep = best;
    g.members.sort();
    out.push(g);
  }
  out.sort((a, b) => b.totalMs - a.totalMs || b.totalResponseBytes - a.totalResponseBytes);
  return out.slice(0, opts.top ?? 10);
}
