import { z } from 'zod';

/**
 * The playbook file format (playbooks/*.yaml), documented in playbooks/README.md.
 * A playbook is data: checks (a PromQL query or a log matcher with thresholds), the causes those checks
 * add up to, and the suggestions to show. Queries use placeholders that only the engine fills in
 * ($selector, $window, …) so that no user text can ever reach PromQL.
 */

export const PLACEHOLDERS = ['$selector', '$node_selector', '$node_device', '$node', '$member', '$window', '$window_seconds', '$rate', '$recent', '$step', '$settled_increase'] as const;

/** `$settled_increase(metric)`: the one placeholder that takes an argument, a bare metric name. */
export const SETTLED_INCREASE = /\$settled_increase\(([a-zA-Z_:][a-zA-Z0-9_:]*)\)/g;

const id = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'ids are lower-case letters, digits, _ and -');

const thresholdsSchema = z
  .strictObject({
    /** above: bigger is worse (latency); below: smaller is worse (free space ratio). */
    direction: z.enum(['above', 'below']).default('above'),
    warning: z.number(),
    critical: z.number().optional(),
  })
  .refine(
    (t) =>
      t.critical === undefined ||
      (t.direction === 'above' ? t.critical >= t.warning : t.critical <= t.warning),
    { message: 'critical must be at least as bad as warning', path: ['critical'] },
  );

export const unitSchema = z.enum(['seconds', 'bytes', 'ratio', 'percent', 'count', 'per_second', 'bytes_per_second', 'cores']);

const promqlText = z
  .string()
  .min(1)
  .superRefine((q, ctx) => {
    for (const m of q.matchAll(/\$[a-z_]+/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(m[0])) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder ${m[0]}; allowed: ${PLACEHOLDERS.join(' ')}` });
      }
    }
    const bare = q.replace(SETTLED_INCREASE, '').match(/\$settled_increase\b[^)]*\)?/);
    if (bare) ctx.addIssue({ code: 'custom', message: `${bare[0]}: write $settled_increase(metric_name), one bare metric name` });
  });

const metricCheckSchema = z.strictObject({
  id,
  title: z.string().min(1),
  /** Why this check matters, shown in details and docs. */
  help: z.string().optional(),
  query: promqlText,
  /**
   * window: one instant query at the end of the window ($window spans it all).
   * peak / low / average / last: a range query across the window every $step, reduced per series;
   * the points are kept for the timeline.
   */
  mode: z.enum(['window', 'peak', 'low', 'average', 'last']).default('window'),
  /**
   * Whom a result belongs to. member: the member label names it. cluster: one value for all. node: a
   * node_exporter series grouped by $node, tied to the members on that node (nodeExporter.match).
   */
  per: z.enum(['member', 'cluster', 'node']).default('member'),
  /**
   * Only the result series with these label values, so that several checks can read one query (e.g.
   * signal: iowait of a query that answers several node signals at once, within the query budget).
   */
  series: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string()).optional(),
  /**
   * per: node only. A node answered once per value of `label` (e.g. per disk device) counts once: the
   * value whose series matching `highest` is largest (the busiest device), unless the query already
   * picks one (nodeExporter.device).
   */
  pick: z
    .strictObject({ label: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), highest: z.record(z.string(), z.string()) })
    .optional(),
  /** Extra label shown with the member (e.g. To for peer RTT). */
  detailLabel: z.string().optional(),
  unit: unitSchema,
  thresholds: thresholdsSchema.optional(),
  /** The published guideline, shown to people when it differs from the warning threshold (e.g. "< 10 ms"). */
  guideline: z.string().optional(),
  /**
   * A series missing from the result means this value (e.g. 0 for counters that etcd only creates on
   * the first failure); without it, a missing series is missing evidence.
   */
  absentMeans: z.number().optional(),
  /** Shown when the query returns nothing at all: why the signal can be absent and what would show it. */
  whenAbsent: z.string().optional(),
  /**
   * Compare with the same window a day earlier (or, without data then, the hour before): "48 ms
   * (yesterday 1.2 ms)". Costs one or two more queries: keep it to the key signals. Window mode only.
   */
  baseline: z.boolean().default(false),
  /** Values of detailLabel are member ids (To, Remote…): show them as member names. */
  detailIsMember: z.boolean().default(false),
  /**
   * latency: a breach is a problem now. information: a breach is worth knowing (a fragmented file far
   * below its quota, the node's CPU pressure, whose effect on etcd other checks measure) but slows
   * nothing by itself, so it never makes the cluster unhealthy. supporting: a count that rises with every
   * fault and with ordinary load alike (slow applies): it backs causes, and alone only a critical
   * breach makes the cluster unhealthy.
   */
  impact: z.enum(['latency', 'information', 'supporting']).default('latency'),
  /**
   * The histogram's bucket upper bounds (`le`, in the unit of the query's result) for a
   * histogram_quantile check: the value is then graded on the bucket edges it lies between, and shown
   * as a bound ("≥ 51.2 ms") rather than as the interpolated number. A list, or {exponential: {start,
   * factor, count}} as in the Go client's ExponentialBuckets.
   */
  buckets: z
    .union([
      z.array(z.number().positive()).min(1),
      z.strictObject({ exponential: z.strictObject({ start: z.number().positive(), factor: z.number().gt(1), count: z.number().int().min(1).max(64) }) }),
    ])
    .optional(),
}).refine((c) => !c.baseline || c.mode === 'window', { message: 'baseline needs mode: window', path: ['baseline'] })
  .refine((c) => c.pick === undefined || c.per === 'node', { message: 'pick needs per: node', path: ['pick'] })
  .refine((c) => c.per !== 'node' || c.query.includes('$node_selector'), { message: 'per: node needs a query over $node_selector', path: ['per'] });

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const logCheckSchema = z.strictObject({
  id,
  title: z.string().min(1),
  help: z.string().optional(),
  /** Count log events of these kinds (see src/sources/logs) per member over the window. */
  logs: z.strictObject({
    kinds: z.array(z.string().min(1)).min(1),
    /** Only events whose msg contains this text. */
    contains: z.string().optional(),
    /**
     * Only events whose parsed fields have these values, e.g. {access: read-only}; a dotted name reads
     * a nested field (dominantStep.name), a list means any of its values, {gte, lte} a numeric range.
     */
    where: z
      .record(
        z.string(),
        z.union([scalar, z.array(scalar).min(1), z.strictObject({ gte: z.number().optional(), lte: z.number().optional() })]),
      )
      .optional(),
  }),
  per: z.enum(['member', 'cluster']).default('member'),
  unit: z.literal('count').default('count'),
  thresholds: thresholdsSchema.optional(),
  whenAbsent: z.string().optional(),
  /** As for metric checks: supporting for lines that every fault and ordinary load write alike. */
  impact: z.enum(['latency', 'information', 'supporting']).default('latency'),
});

/**
 * A check of another playbook, reused as it is (same query, same grades): lets a cause here combine
 * it with this playbook's signals without a second query or a second line in the report.
 */
const refCheckSchema = z.strictObject({
  id,
  ref: z.string().regex(/^[a-z][a-z0-9_-]*\/[a-z][a-z0-9_-]*$/, 'use playbook/check'),
  /** Grade the same measurements against other thresholds (e.g. only a commit p99 far over the guideline). */
  thresholds: thresholdsSchema.optional(),
});

export const checkSchema = z.union([metricCheckSchema, logCheckSchema, refCheckSchema]);

const conditionSchema = z.strictObject({
  /** Every one of these checks is at warning or worse for the member. */
  all: z.array(id).default([]),
  /** At least one of these. */
  any: z.array(id).default([]),
  /** None of these is at warning or worse (e.g. "commit slow but fsync fine"). */
  none: z.array(id).default([]),
});

/** An etcd release such as 3.5 or 3.5.16. */
const etcdRelease = z.string().regex(/^3\.\d+(\.\d+)?$/, 'must be an etcd release such as 3.5 or 3.5.16');

const suggestionSchema = z.strictObject({
  id,
  /** What to do and why, one or two lines. {member}, {members} and {cluster} are filled in. */
  text: z.string().min(1),
  /** The exact command to run; shown in a code block. */
  command: z.string().optional(),
  /** A computation in src/diagnosis/compute that produces the command from this cluster's measurements. */
  compute: z.enum(['heartbeat-election', 'tc-prio']).optional(),
  /** Which etcd releases it is for, and commands for older ones whose flags differ (see playbooks/README.md). */
  etcd: z
    .strictObject({
      from: etcdRelease.optional(),
      below: etcdRelease.optional(),
      older: z.array(z.strictObject({ below: etcdRelease, command: z.string().min(1) })).default([]),
    })
    .optional(),
});

const causeSchema = z.strictObject({
  id,
  title: z.string().min(1),
  /**
   * kind: cause (what to fix), consequence (an effect that another cause explains) or information
   * (true and worth doing something about some day, but not why anything is slow).
   */
  kind: z.enum(['cause', 'consequence', 'information']).default('cause'),
  when: conditionSchema,
  /** Checks that, when also breached, strengthen this cause (independent signals that agree). */
  support: z.array(id).default([]),
  /** One line for the headline; {member}, {members} and {check_id} (formatted value) are filled in. */
  summary: z.string().min(1),
  suggestions: z.array(id).default([]),
  /**
   * Causes ("playbook/cause") that, when found on the same member, explain this one: it is then shown
   * as their consequence, not as a cause of its own (a CPU-starved member also shows slow fsyncs).
   */
  explainedBy: z.array(z.string().regex(/^[a-z][a-z0-9_-]*\/[a-z][a-z0-9_-]*$/, 'use playbook/cause')).default([]),
  /**
   * pairs: the `when` checks measure member→peer pairs; name only the members found in every breached
   * pair (a slow link around one member shows up in all pairs that touch it, and only those).
   */
  localise: z.enum(['members', 'pairs']).default('members'),
  /**
   * The check whose value is the time this cause adds to the requests it slows (WAL fsync for a slow
   * disk, the round trip for a slow link). Two causes that both say so are ranked by that delay: what
   * costs clients more comes first, however far over its own guideline each is.
   */
  delay: id.optional(),
  /**
   * Checks of the node's load (CPU pressure): while one is breached, this cause nowhere clearly past its
   * line (within one doubling of it) is information, not a cause. A busy node's timers include the wait
   * for a CPU, and that alone puts fsync and commit timings a bucket past their guideline.
   */
  marginalWhen: z.array(id).default([]),
});

export const playbookSchema = z
  .strictObject({
    id,
    title: z.string().min(1),
    description: z.string().min(1),
    /** Lower runs and reads first when causes tie. */
    order: z.number().int().default(100),
    /**
     * Alert names (alertname label) this playbook helps explain: an alert triage runs the playbooks that
     * list its alert; an etcd alert that no playbook lists runs them all.
     */
    alerts: z.array(z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be an alert name')).default([]),
    checks: z.array(checkSchema).min(1),
    causes: z.array(causeSchema).default([]),
    suggestions: z.array(suggestionSchema).default([]),
  })
  .superRefine((pb, ctx) => {
    const checkIds = new Set<string>();
    pb.checks.forEach((c, i) => {
      if (checkIds.has(c.id)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'id'], message: `duplicate check id ${c.id}` });
      checkIds.add(c.id);
    });
    const suggestionIds = new Set(pb.suggestions.map((s) => s.id));
    pb.causes.forEach((cause, i) => {
      for (const key of ['all', 'any', 'none'] as const) {
        cause.when[key].forEach((ref, j) => {
          if (!checkIds.has(ref)) {
            ctx.addIssue({ code: 'custom', path: ['causes', i, 'when', key, j], message: `no check named ${ref} in this playbook` });
          }
        });
      }
      if (cause.when.all.length === 0 && cause.when.any.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['causes', i, 'when'], message: 'needs at least one check in all or any' });
      }
      if (cause.delay !== undefined && !checkIds.has(cause.delay)) {
        ctx.addIssue({ code: 'custom', path: ['causes', i, 'delay'], message: `no check named ${cause.delay} in this playbook` });
      }
      for (const key of ['support', 'marginalWhen'] as const) {
        cause[key].forEach((ref, j) => {
          if (!checkIds.has(ref)) ctx.addIssue({ code: 'custom', path: ['causes', i, key, j], message: `no check named ${ref} in this playbook` });
        });
      }
      cause.suggestions.forEach((ref, j) => {
        if (!suggestionIds.has(ref)) {
          ctx.addIssue({ code: 'custom', path: ['causes', i, 'suggestions', j], message: `no suggestion named ${ref} in this playbook` });
        }
      });
    });
  });

export type Playbook = z.infer<typeof playbookSchema>;
export type Check = z.infer<typeof checkSchema>;
export type MetricCheck = z.infer<typeof metricCheckSchema>;
export type LogCheck = z.infer<typeof logCheckSchema>;
export type RefCheck = z.infer<typeof refCheckSchema>;
export type Cause = z.infer<typeof causeSchema>;
export type Suggestion = z.infer<typeof suggestionSchema>;
export type Thresholds = z.infer<typeof thresholdsSchema>;
export type Unit = z.infer<typeof unitSchema>;

export function isMetricCheck(c: Check): c is MetricCheck {
  return 'query' in c;
}

export function isRefCheck(c: Check): c is RefCheck {
  return 'ref' in c;
}
