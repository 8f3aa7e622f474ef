import { z } from 'zod';
import type { PrometheusClient } from '../sources/prometheus/client.js';
import type { Evidence } from './evidence/evidence.js';
import type { MetricCheck, Playbook } from './playbook/schema.js';
import { isMetricCheck, isRefCheck, unitSchema } from './playbook/schema.js';
import { renderQuery } from './evidence/query-plan.js';
import { varsOf } from './judge/diagnose.js';
import type { CauseResult, Diagnosis } from './types.js';
import { boundsOf, bucketBounds, gradeBounded, warningEdge } from './judge/histogram-bounds.js';

/**
 * The data behind the charts of a diagnosis: the signal that decided its top cause, per member, over
 * the window plus a lead-in, and the effect that cause explains when there is one. At most two range
 * queries per diagnosis (the budget), planned from the playbook checks the verdict named.
 */
export const MAX_CHARTS = 2;

export const chartDataSchema = z.object({
  /** "disk/wal_fsync_p99": which check the chart shows. */
  id: z.string(),
  /** deciding: the top cause's signal; effect: what it explains; trend: a handoff's period. */
  role: z.enum(['deciding', 'effect', 'trend']),
  title: z.string(),
  unit: unitSchema,
  promql: z.string(),
  /** The warning level drawn across the chart, and how it is labelled. */
  rule: z.object({ value: z.number(), label: z.string() }).optional(),
  /** Members the verdict names: drawn strong, the others muted. */
  highlighted: z.array(z.string()),
  /** First time a highlighted member crossed the warning level (ISO 8601), when it did. */
  onset: z.string().optional(),
  /** Window shown (ISO 8601), the lead-in included; the diagnosis window starts at windowStart. */
  start: z.string(),
  end: z.string(),
  windowStart: z.string(),
  series: z.array(z.object({ member: z.string(), points: z.array(z.object({ t: z.number(), v: z.number() })) })),
});
export type ChartData = z.infer<typeof chartDataSchema>;

export interface ChartQuery {
  id: string;
  role: ChartData['role'];
  check: MetricCheck;
  cause: CauseResult;
  promql: string;
  start: number;
  end: number;
  step: number;
  windowStart: number;
}

/** The lead-in before the window: enough to see what "normal" looked like before the onset. */
export function leadInSeconds(windowSeconds: number): number {
  return Math.max(300, Math.round(windowSeconds / 2));
}

/** The metric check a cause signal stands for (a reused check is followed to its original). */
function metricCheckOf(playbooks: Playbook[], playbook: string, checkId: string): { id: string; check: MetricCheck } | undefined {
  const check = playbooks.find((p) => p.id === playbook)?.checks.find((c) => c.id === checkId);
  if (!check) return undefined;
  if (isRefCheck(check)) {
    const [pb, id] = check.ref.split('/') as [string, string];
    return metricCheckOf(playbooks, pb, id);
  }
  return isMetricCheck(check) ? { id: `${playbook}/${checkId}`, check } : undefined;
}

const firstMetricSignal = (playbooks: Playbook[], c: CauseResult): { id: string; check: MetricCheck } | undefined =>
  c.signals.map((s) => metricCheckOf(playbooks, c.playbook, s)).find((x) => x !== undefined);

/**
 * The charts a diagnosis gets: the top cause's first metric signal, and the first metric signal of a
 * consequence attributed to that cause. A check measured over the whole window is charted over short
 * steps (its `$window` becomes the rate interval), so a single number becomes a line over time.
 */
export function planChartQueries(d: Diagnosis, evidence: Evidence, playbooks: Playbook[]): ChartQuery[] {
  const top = d.causes[0];
  if (!top) return [];
  const vars = varsOf(evidence);
  const stepped = { ...vars, windowSeconds: vars.rateSeconds };
  const end = evidence.window.end;
  const start = evidence.window.start - leadInSeconds(evidence.window.seconds);
  const picks: Array<{ role: ChartData['role']; cause: CauseResult; found: { id: string; check: MetricCheck } | undefined }> = [
    { role: 'deciding', cause: top, found: firstMetricSignal(playbooks, top) },
  ];
  const effect = d.consequences.find((c) => c.attributed_to === `${top.playbook}/${top.cause}`);
  if (effect) picks.push({ role: 'effect', cause: effect, found: firstMetricSignal(playbooks, effect) });
  const out: ChartQuery[] = [];
  for (const p of picks) {
    if (!p.found || out.some((q) => q.id === p.found!.id)) continue;
    const promql = renderQuery(p.found.check.query, stepped);
    if (promql === undefined) continue;
    out.push({ id: p.found.id, role: p.role, check: p.found.check, cause: p.cause, promql, start, end, step: vars.stepSeconds, windowStart: evidence.window.start });
  }
  return out.slice(0, MAX_CHARTS);
}

/** Range-queries each planned chart; a failed query becomes a reason instead of a chart. */
export async function fetchChartData(
  plans: ChartQuery[],
  prometheus: Pick<PrometheusClient, 'range'>,
  memberLabel: string,
  signal?: AbortSignal,
  /** The name a series is drawn under; undefined leaves it out. Default: its member label value. */
  nameOf: (check: MetricCheck, labels: Record<string, string>) => string | undefined = (check, labels) =>
    check.per === 'cluster' ? 'cluster' : (labels[memberLabel] ?? '?'),
): Promise<Array<ChartData | { id: string; title: string; error: string }>> {
  return Promise.all(
    plans.map(async (q) => {
      try {
        const result = await prometheus.range(q.promql, q.start, q.end, q.step, signal);
        const named = result.flatMap((s) => {
          const member = nameOf(q.check, s.labels);
          return member === undefined ? [] : [{ member, points: s.points }];
        });
        return chartDataOf(q, named);
      } catch (err) {
        return { id: q.id, title: q.check.title, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

export function chartDataOf(q: ChartQuery, raw: ChartData['series']): ChartData {
  const series = raw
    .map((s) => ({ member: s.member, points: s.points.filter((p) => Number.isFinite(p.v)) }))
    .filter((s) => s.points.length > 0)
    .sort((a, b) => a.member.localeCompare(b.member));
  const t = q.check.thresholds;
  const highlighted = q.cause.members.length > 0 ? q.cause.members : [];
  // Histogram quantiles breach only past the bucket edge at or beyond the line: the rule and the onset
  // are drawn where the verdict grades.
  const les = q.check.buckets ? bucketBounds(q.check.buckets) : undefined;
  const over = (v: number): boolean => t !== undefined && gradeBounded(v, les ? boundsOf(v, les) : undefined, t) !== 'ok';
  // Onset: the first point of a highlighted member over the warning level.
  const crossings = series
    .filter((s) => highlighted.includes(s.member))
    .map((s) => s.points.find((p) => over(p.v))?.t)
    .filter((x): x is number => x !== undefined);
  const iso = (sec: number): string => new Date(sec * 1000).toISOString();
  return {
    id: q.id,
    role: q.role,
    title: q.check.title.replace(/, worst minute$/, ''),
    unit: q.check.unit,
    promql: q.promql,
    ...(t ? { rule: { value: warningEdge(t, les), label: 'warning' } } : {}),
    highlighted,
    ...(crossings.length > 0 ? { onset: iso(Math.min(...crossings)) } : {}),
    start: iso(q.start),
    end: iso(q.end),
    windowStart: iso(q.windowStart),
    series,
  };
}

/**
 * Chart series under the names the diagnosis uses: members by display name, a node's series by the
 * members it runs ("cluster" when it runs them all), only the part of a shared query the check reads.
 */
function seriesNames(d: Diagnosis, evidence: Evidence): (check: MetricCheck, labels: Record<string, string>) => string | undefined {
  const nodeLabel = varsOf(evidence).nodeLabel;
  const byAddress = new Map(d.members.map((m) => [m.address ?? m.name, m.name]));
  return (check, labels) => {
    if (check.series && Object.entries(check.series).some(([k, v]) => labels[k] !== v)) return undefined;
    if (check.per === 'cluster') return 'cluster';
    if (check.per === 'node') {
      const on = d.members.filter((m) => nodeLabel !== undefined && m.node === labels[nodeLabel]).map((m) => m.name);
      if (on.length === 0) return undefined;
      const who = on.length === d.members.length && on.length > 1 ? 'cluster' : on.join(', ');
      return labels.device !== undefined ? `${who} ${labels.device}` : who;
    }
    const raw = labels[evidence.memberLabel] ?? '?';
    return byAddress.get(raw) ?? raw;
  };
}

/** Plans and fetches the charts of a diagnosis: the extra range queries (at most two) run here. */
export async function collectChartData(
  d: Diagnosis,
  evidence: Evidence,
  playbooks: Playbook[],
  prometheus: Pick<PrometheusClient, 'range'>,
  signal?: AbortSignal,
): Promise<Array<ChartData | { id: string; title: string; error: string }>> {
  return fetchChartData(planChartQueries(d, evidence, playbooks), prometheus, evidence.memberLabel, signal, seriesNames(d, evidence));
}
