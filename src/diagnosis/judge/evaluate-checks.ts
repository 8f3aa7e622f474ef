import type { Evidence } from '../evidence/evidence.js';
import { findQuery, type BaselinePurpose } from '../evidence/evidence.js';
import type { ClusterContext } from '../evidence/context.js';
import type { LogCheck, MetricCheck, Playbook, Thresholds } from '../playbook/schema.js';
import { isMetricCheck, isRefCheck } from '../playbook/schema.js';
import { checkQuery } from '../evidence/query-plan.js';
import type { QueryVars } from '../evidence/query-vars.js';
import { membersOn } from '../evidence/node-map.js';
import { formatGuideline, formatValue } from '../format.js';
import { boundsOf, bucketBounds, formatBounded, gradeBounded } from './histogram-bounds.js';
import type { CheckResult, MeasuredValue, Severity } from '../types.js';
import type { Series } from '../../sources/prometheus/types.js';

export const SEVERITY_RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2 };

export function worst(severities: Iterable<Severity>): Severity {
  let w: Severity = 'ok';
  for (const s of severities) if (SEVERITY_RANK[s] > SEVERITY_RANK[w]) w = s;
  return w;
}

export function classify(value: number, t: Thresholds | undefined): Severity {
  return gradeBounded(value, undefined, t);
}

/** Reduces a series to the value a check looks at, with the time of the extreme for peaks. */
function reduce(series: Series, mode: MetricCheck['mode']): { v: number; t?: number } | undefined {
  const pts = series.points.filter((p) => Number.isFinite(p.v));
  if (pts.length === 0) return undefined;
  switch (mode) {
    case 'window':
    case 'last':
      return { v: pts.at(-1)!.v, t: pts.at(-1)!.t };
    case 'peak':
      return pts.reduce((a, b) => (b.v > a.v ? b : a));
    case 'low':
      return pts.reduce((a, b) => (b.v < a.v ? b : a));
    case 'average':
      return { v: pts.reduce((s, p) => s + p.v, 0) / pts.length };
  }
}

function evaluateMetric(pb: Playbook, check: MetricCheck, evidence: Evidence, ctx: ClusterContext, vars: QueryVars): CheckResult {
  const base = {
    playbook: pb.id,
    check: check.id,
    title: check.title,
    unit: check.unit,
    guideline: check.guideline ?? formatGuideline(check.thresholds, check.unit),
    ...(check.impact !== 'latency' ? { impact: check.impact } : {}),
  };
  const planned = checkQuery(check, vars);
  if (!planned) return { ...base, severity: 'ok', values: [], missing: 'needs node_exporter metrics: set nodeExporter.selector for this cluster' };
  const record = findQuery(evidence, planned.kind, planned.promql);
  if (!record) return { ...base, severity: 'ok', values: [], missing: 'not collected in this evidence bundle' };
  if (record.error) return { ...base, severity: 'ok', values: [], missing: `query failed (${record.error.kind}): ${record.error.message}` };
  const values: MeasuredValue[] = [];
  const seenMembers = new Set<string>();
  const les = check.buckets ? bucketBounds(check.buckets) : undefined;
  const wanted = (record.result ?? []).filter((s) => matchesSeries(s.labels, check.series));
  const rows = check.per === 'node' ? nodeRows(check, wanted, record.result ?? [], ctx, vars) : wanted.map((s): { s: Series; member: string; note?: string; picked?: string } => ({ s, member: check.per === 'cluster' ? '*' : (s.labels[vars.memberLabel] ?? '?') }));
  for (const { s, member, note, picked } of rows) {
    const r = reduce(s, check.mode);
    if (!r) continue;
    seenMembers.add(member);
    const bounds = les ? boundsOf(r.v, les) : undefined;
    const severity = gradeBounded(r.v, bounds, check.thresholds);
    const rawDetail = check.detailLabel ? s.labels[check.detailLabel] : undefined;
    const detail = rawDetail !== undefined && check.detailIsMember ? (ctx.nameById.get(rawDetail) ?? rawDetail) : rawDetail;
    const base = check.baseline ? baselineFor(evidence, planned.promql, s.labels, check, les) : undefined;
    values.push({
      member,
      ...(detail !== undefined ? { detail } : {}),
      ...(picked !== undefined ? { picked } : {}),
      ...(base ? { baseline: base } : {}),
      value: r.v,
      ...(bounds ? { bounds } : {}),
      formatted: formatBounded(r.v, bounds, check.unit, check.thresholds, severity) + (note ?? ''),
      severity,
      ...(check.mode === 'peak' || check.mode === 'low' ? { at: r.t !== undefined ? new Date(r.t * 1000).toISOString() : undefined } : {}),
    });
  }
  if (check.absentMeans !== undefined) {
    const names = check.per === 'member' ? ctx.members.map((m) => m.name) : ['*'];
    for (const member of names) {
      if (seenMembers.has(member)) continue;
      const v = check.absentMeans;
      values.push({ member, value: v, formatted: formatValue(v, check.unit), severity: classify(v, check.thresholds) });
    }
  }
  if (values.length === 0 && check.per === 'node' && wanted.length > 0) {
    // node_exporter answered, but for no member's node: the match is wrong, not the collector missing.
    const nodes = new Set(wanted.map((s) => s.labels[vars.nodeLabel ?? 'instance'])).size;
    return { ...base, severity: 'ok', values: [], missing: `node_exporter answered for ${nodes} node${nodes === 1 ? '' : 's'}, none of them a member's: check nodeExporter.match` };
  }
  if (values.length === 0) {
    return {
      ...base,
      severity: 'ok',
      values: [],
      missing: check.whenAbsent ?? 'no data for this window (the metric is absent or had no samples)',
    };
  }
  values.sort((a, b) => a.member.localeCompare(b.member) || (a.detail ?? '').localeCompare(b.detail ?? ''));
  return { ...base, severity: worst(values.map((v) => v.severity)), values };
}

const matchesSeries = (labels: Record<string, string>, want: Record<string, string> | undefined): boolean =>
  want === undefined || Object.entries(want).every(([k, v]) => labels[k] === v);

/**
 * A node's series as the values of the members it runs. A node every member runs on (a one-host lab)
 * gives one value for all ("*"): its reading names no member. With `pick`, one series per node (the
 * busiest device), whose name goes with the value. Nodes that run no member are not etcd's.
 */
function nodeRows(check: MetricCheck, wanted: Series[], all: Series[], ctx: ClusterContext, vars: QueryVars): Array<{ s: Series; member: string; note?: string; picked?: string }> {
  const map = ctx.nodes;
  const label = vars.nodeLabel;
  if (!map || !label) return [];
  const last = (s: Series): number => s.points.at(-1)?.v ?? Number.NaN;
  const rows: Array<{ s: Series; member: string; note?: string; picked?: string }> = [];
  const byNode = new Map<string, Series[]>();
  for (const s of wanted) {
    const node = s.labels[label] ?? '';
    byNode.set(node, [...(byNode.get(node) ?? []), s]);
  }
  for (const [node, series] of byNode) {
    const members = membersOn(map, node);
    if (members.length === 0) continue;
    let s = series[0]!;
    let note: string | undefined;
    let picked: string | undefined;
    if (check.pick) {
      const pick = check.pick;
      const busiest = all
        .filter((x) => x.labels[label] === node && matchesSeries(x.labels, pick.highest) && Number.isFinite(last(x)))
        .reduce<Series | undefined>((a, b) => (a === undefined || last(b) > last(a) ? b : a), undefined);
      const value = busiest?.labels[pick.label];
      const chosen = series.find((x) => x.labels[pick.label] === value);
      if (!chosen) continue;
      s = chosen;
      note = ` (${pick.label} ${value})`;
      picked = value;
    }
    const shared = members.length > 1 && members.length === ctx.members.length;
    for (const member of shared ? ['*'] : members) rows.push({ s, member, ...(note ? { note } : {}), ...(picked !== undefined ? { picked } : {}) });
  }
  return rows;
}

const BASELINE_WHEN: Record<BaselinePurpose, 'yesterday' | 'an hour earlier'> = {
  'baseline-day': 'yesterday',
  'baseline-hour': 'an hour earlier',
};

/** The same series (same labels) in the comparison window: a day earlier, else the hour before. */
function baselineFor(evidence: Evidence, promql: string, labels: Record<string, string>, check: MetricCheck, les: number[] | undefined): MeasuredValue['baseline'] {
  for (const purpose of ['baseline-day', 'baseline-hour'] as const) {
    const rec = findQuery(evidence, 'instant', promql, purpose);
    const match = rec?.result?.find((s) => sameLabels(s.labels, labels));
    const v = match?.points.at(-1)?.v;
    if (v !== undefined && Number.isFinite(v)) {
      const bounds = les ? boundsOf(v, les) : undefined;
      const formatted = formatBounded(v, bounds, check.unit, check.thresholds, gradeBounded(v, bounds, check.thresholds));
      return { value: v, formatted, when: BASELINE_WHEN[purpose] };
    }
  }
  return undefined;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function evaluateLogs(pb: Playbook, check: LogCheck, evidence: Evidence, ctx: ClusterContext): CheckResult {
  const base = {
    playbook: pb.id,
    check: check.id,
    title: check.title,
    unit: check.unit,
    guideline: formatGuideline(check.thresholds, check.unit),
    ...(check.impact !== 'latency' ? { impact: check.impact } : {}),
  };
  if (!evidence.logs) return { ...base, severity: 'ok', values: [], missing: check.whenAbsent ?? 'no log source configured for this cluster' };
  if (evidence.logs.sources.length === 0) {
    const why = evidence.logs.errors.map((e) => e.message).join('; ') || 'no log source could be read';
    return { ...base, severity: 'ok', values: [], missing: `logs unavailable: ${why}` };
  }
  const kinds = new Set(check.logs.kinds);
  const counts = new Map<string, number>();
  const members = check.per === 'cluster' ? ['*'] : ctx.members.map((m) => m.name);
  for (const m of members) counts.set(m, 0);
  for (const e of evidence.logs.events) {
    if (!kinds.has(e.kind)) continue;
    if (check.logs.contains !== undefined && !e.msg.includes(check.logs.contains)) continue;
    if (check.logs.where && !matchesWhere(e, check.logs.where)) continue;
    const m = check.per === 'cluster' ? '*' : e.member;
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  const values = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([member, n]) => ({ member, value: n, formatted: String(n), severity: classify(n, check.thresholds) }));
  return { ...base, severity: worst(values.map((v) => v.severity)), values };
}

type Scalar = string | number | boolean;

/** Field tests of a log matcher: dotted names read nested fields, lists mean "any of". */
type Want = Scalar | Scalar[] | { gte?: number; lte?: number };

function matchesWhere(event: object, where: Record<string, Want>): boolean {
  return Object.entries(where).every(([path, want]) => {
    let v: unknown = event;
    for (const part of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (Array.isArray(want)) return want.includes(v as Scalar);
    if (want !== null && typeof want === 'object') {
      return typeof v === 'number' && (want.gte === undefined || v >= want.gte) && (want.lte === undefined || v <= want.lte);
    }
    return v === want;
  });
}

/**
 * Every check of every playbook. References to other playbooks' checks are resolved after the rest and
 * carry `ref` so reports can skip them (the original is already shown).
 */
export function evaluateChecks(playbooks: Playbook[], all: Playbook[], evidence: Evidence, ctx: ClusterContext, vars: QueryVars): CheckResult[] {
  const direct = playbooks.flatMap((pb) =>
    pb.checks.flatMap((c): CheckResult[] => {
      if (isRefCheck(c)) return [];
      return [isMetricCheck(c) ? evaluateMetric(pb, c, evidence, ctx, vars) : evaluateLogs(pb, c as LogCheck, evidence, ctx)];
    }),
  );
  const refs = playbooks.flatMap((pb) =>
    pb.checks.filter(isRefCheck).map((c): CheckResult => {
      const [pbId, checkId] = c.ref.split('/') as [string, string];
      const target =
        direct.find((r) => r.playbook === pbId && r.check === checkId) ??
        evaluateTarget(all, pbId, checkId, evidence, ctx, vars);
      if (!target) return { playbook: pb.id, check: c.id, title: c.ref, unit: 'count', severity: 'ok', values: [], missing: `no check ${c.ref}`, ref: c.ref };
      const t = c.thresholds;
      if (!t) return { ...target, playbook: pb.id, check: c.id, ref: c.ref };
      const values = target.values.map((v) => {
        const severity = gradeBounded(v.value, v.bounds, t);
        return { ...v, severity, formatted: v.bounds ? formatBounded(v.value, v.bounds, target.unit, t, severity) : v.formatted };
      });
      return { ...target, playbook: pb.id, check: c.id, ref: c.ref, values, severity: worst(values.map((v) => v.severity)) };
    }),
  );
  return [...direct, ...refs];
}

/** A referenced check whose playbook is not part of this run (e.g. --focus resources) is evaluated alone. */
function evaluateTarget(all: Playbook[], pbId: string, checkId: string, evidence: Evidence, ctx: ClusterContext, vars: QueryVars): CheckResult | undefined {
  const pb = all.find((p) => p.id === pbId);
  const c = pb?.checks.find((x) => x.id === checkId);
  if (!pb || !c || isRefCheck(c)) return undefined;
  return isMetricCheck(c) ? evaluateMetric(pb, c, evidence, ctx, vars) : evaluateLogs(pb, c, evidence, ctx);
}
