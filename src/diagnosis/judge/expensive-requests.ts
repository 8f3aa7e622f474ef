import type { LogEvent } from '../../sources/logs/types.js';
import { summariseExpensiveRequests, type ExpensiveRequestGroup } from '../../sources/logs/summarise/summarise-expensive.js';
import type { CauseResult, ExpensiveRequest, WaitingRequests } from '../types.js';

/**
 * Trace steps in which a request spends its time on its own data: reading it from bolt or the index,
 * sorting, serialising. Time in "agreement among raft nodes before linearized reading" is a ReadIndex
 * wait: the request was cheap and waited on the leader, the network or a slow member.
 */
const DATA_STEPS = new Set([
  'range keys from bolt db',
  'range keys from in-memory index tree',
  'filter and sort the key-value pairs',
  'assemble the response',
]);

/** Without a trace, a read is judged by what it returned: hundreds of keys or a large response. */
const MANY_KEYS = 100;
const LARGE_RESPONSE_BYTES = 256 * 1024;

/** etcd's own line for a slow request: 100 ms. */
const SLOW_MS = 100;

function spentOnData(g: ExpensiveRequestGroup): boolean {
  if (g.dominantStep !== null) {
    // A prefix read from a slow member may wait longer than it reads, and still be expensive to read:
    // what counts is whether reading its data alone takes as long as a slow request.
    const dataMs = Object.entries(g.stepMs).reduce((sum, [step, ms]) => sum + (DATA_STEPS.has(step) ? ms : 0), 0);
    return DATA_STEPS.has(g.dominantStep) || dataMs / g.count >= SLOW_MS;
  }
  return (g.maxResponseCount ?? 0) >= MANY_KEYS || g.totalResponseBytes / Math.max(1, g.count) >= LARGE_RESPONSE_BYTES;
}

const toJson = (g: ExpensiveRequestGroup): ExpensiveRequest => ({
  prefix: g.prefix,
  count: g.count,
  total_ms: Math.round(g.totalMs),
  max_ms: Math.round(g.maxMs),
  response_bytes: g.totalResponseBytes,
  max_response_count: g.maxResponseCount,
  members: g.members,
  dominant_step: g.dominantStep,
  example: g.example,
});

/**
 * Slow reads from the logs, split by where their time went: the expensive ones (their own data) are the
 * "Expensive requests" list; the ones that waited are an effect, counted and attributed to the root
 * cause found, so nobody is sent after the wrong culprit.
 */
export function slowReads(events: LogEvent[], causes: CauseResult[]): { expensive: ExpensiveRequest[]; waiting: WaitingRequests[] } {
  const groups = summariseExpensiveRequests(events, { access: 'read-only' });
  const expensive = groups.filter(spentOnData).slice(0, 5).map(toJson);
  // They waited on someone else (the leader's agreement, a slow member): the root cause found, not a
  // cause that happens to sit on the member that served them.
  const by = causes[0];
  const waiting = groups.filter((g) => !spentOnData(g)).map((g): WaitingRequests => ({
    ...toJson(g),
    ...(by ? { attributed_to: `${by.playbook}/${by.cause}` } : {}),
  }));
  return { expensive, waiting };
}
