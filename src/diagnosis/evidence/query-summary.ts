import { z } from 'zod';
import type { Evidence, QueryRecord } from './evidence.js';

/**
 * What a diagnosis asked Prometheus, in short: each query's PromQL, the time it covered, and its result
 * reduced to one line (how many series, the highest value and whose). Kept with the diagnosis so that
 * people can check a number without re-running anything. Bounded: a query list never grows without limit.
 */

export const MAX_QUERIES_KEPT = 120;
const MAX_PROMQL_CHARS = 1500;

export const querySummarySchema = z.object({
  kind: z.enum(['instant', 'range']),
  promql: z.string(),
  /** Unix seconds: the range (or the instant, start = end) the query covered. */
  start: z.number(),
  end: z.number(),
  /** Set on the comparison queries (a day or an hour earlier). */
  purpose: z.string().optional(),
  result: z.string(),
  failed: z.boolean(),
});

export const queryListSchema = z.object({
  cluster: z.string(),
  memberLabel: z.string(),
  collectedAt: z.string(),
  queries: z.array(querySummarySchema),
  /** Queries left out by the bound. */
  omitted: z.number().int().min(0),
});

export type QuerySummary = z.infer<typeof querySummarySchema>;
export type QueryList = z.infer<typeof queryListSchema>;

export function summariseQueries(evidence: Evidence): QueryList {
  const kept = evidence.queries.slice(0, MAX_QUERIES_KEPT);
  return {
    cluster: evidence.cluster,
    memberLabel: evidence.memberLabel,
    collectedAt: evidence.collectedAt,
    queries: kept.map((q) => summariseQuery(q, evidence.memberLabel)),
    omitted: evidence.queries.length - kept.length,
  };
}

export function summariseQuery(q: QueryRecord, memberLabel: string): QuerySummary {
  const end = q.kind === 'instant' ? (q.time ?? q.end ?? 0) : (q.end ?? q.time ?? 0);
  const start = q.kind === 'instant' ? end : (q.start ?? end);
  return {
    kind: q.kind,
    promql: q.promql.length > MAX_PROMQL_CHARS ? `${q.promql.slice(0, MAX_PROMQL_CHARS)}…` : q.promql,
    start,
    end,
    ...(q.purpose === undefined ? {} : { purpose: q.purpose }),
    result: resultLine(q, memberLabel),
    failed: q.error !== undefined && q.error.kind !== 'skipped',
  };
}

/** "3 series, max 412 ms… on etcd-2": the highest finite value, with the member (or labels) it came from. */
function resultLine(q: QueryRecord, memberLabel: string): string {
  if (q.error !== undefined) return `${q.error.kind === 'skipped' ? 'skipped' : 'failed'}: ${q.error.message.slice(0, 200)}`;
  const series = q.result ?? [];
  if (series.length === 0) return 'no data';
  let best: { v: number; who: string } | undefined;
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.v)) continue;
      if (best === undefined || p.v > best.v) best = { v: p.v, who: whoOf(s.labels, memberLabel) };
    }
  }
  const count = `${series.length} series`;
  if (best === undefined) return `${count}, no finite value`;
  const agg = q.kind === 'range' || series.length > 1 ? 'max ' : '';
  return `${count}, ${agg}${formatNumber(best.v)}${best.who === '' ? '' : ` on ${best.who}`}`;
}

function whoOf(labels: Record<string, string>, memberLabel: string): string {
  const member = labels[memberLabel];
  if (member !== undefined) return member;
  const rest = Object.entries(labels).filter(([k]) => k !== '__name__');
  return rest.length === 0 ? '' : `{${rest.map(([k, v]) => `${k}="${v}"`).join(', ').slice(0, 120)}}`;
}

/** Four significant digits, without exponent for everyday magnitudes. */
export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-4) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
