import type { ClusterConfig, NodeMatchConfig } from '../../config/schema.js';
import { escapeLabelValue, matchers } from '../../sources/prometheus/escape.js';
import type { Playbook, MetricCheck } from '../playbook/schema.js';
import { isMetricCheck, SETTLED_INCREASE } from '../playbook/schema.js';
import { contextQueries } from './context.js';
import type { PlannedQuery, QueryVars } from './query-vars.js';

/** node_exporter devices that never hold etcd's data: loop, RAM, optical and floppy devices. */
const NOT_A_DATA_DEVICE = 'device!~"(loop|ram|zram|sr|fd|nbd)[0-9].*"';

/** The node_exporter label node signals are grouped by: the one a member's node is recognised by. */
export function nodeLabelOf(match: NodeMatchConfig): string {
  switch (match.by) {
    case 'host':
    case 'map':
      return match.nodeLabel;
    case 'label':
      return match.nodeLabel ?? match.memberLabel;
    case 'nodename':
      // node_uname_info ties instance to nodename; every node signal is grouped by instance.
      return 'instance';
  }
}

/** The target labels read per member: the display name and the label its node is found by. */
export function memberLabelsOf(memberLabel: string, displayLabel: string | undefined, match: NodeMatchConfig | undefined): string[] {
  const wanted = [displayLabel, match && match.by !== 'map' ? match.memberLabel : undefined];
  return [...new Set(wanted.filter((l): l is string => l !== undefined && l !== memberLabel))].sort();
}

/** The placeholders' values that come from the cluster's config, recorded in evidence for replays. */
export function clusterVars(opts: {
  selector: string;
  memberLabel: string;
  nodeSelector?: string;
  nodeMatch?: NodeMatchConfig;
  nodeDevice?: string;
  displayLabel?: string;
}): Pick<QueryVars, 'selector' | 'nodeSelector' | 'memberLabel' | 'nodeLabel' | 'nodeMatch' | 'nodeDevice' | 'memberLabels'> {
  const match = opts.nodeSelector !== undefined ? (opts.nodeMatch ?? { by: 'host', nodeLabel: 'instance' }) : undefined;
  return {
    selector: opts.selector,
    nodeSelector: opts.nodeSelector,
    memberLabel: opts.memberLabel,
    ...(match ? { nodeLabel: nodeLabelOf(match), nodeMatch: match } : {}),
    nodeDevice: opts.nodeDevice !== undefined ? `device="${escapeLabelValue(opts.nodeDevice)}"` : NOT_A_DATA_DEVICE,
    memberLabels: memberLabelsOf(opts.memberLabel, opts.displayLabel, match),
  };
}

/**
 * Rate interval for "worst minute" checks and the step between points: short enough to see a spike,
 * long enough for rate() to have at least four scrapes at a 30 s scrape interval.
 */
export function windowVars(cluster: ClusterConfig, windowSeconds: number): QueryVars {
  const rateSeconds = Math.max(120, Math.min(600, Math.round(windowSeconds / 15)));
  const stepSeconds = Math.max(15, Math.round(windowSeconds / 60));
  return { ...clusterConfigVars(cluster), windowSeconds, rateSeconds, stepSeconds };
}

/** The placeholders' values a cluster's config gives, whatever the window (shared with the watch). */
export function clusterConfigVars(cluster: ClusterConfig): ReturnType<typeof clusterVars> {
  return clusterVars({
    selector: matchers(cluster.selector),
    memberLabel: cluster.memberLabel,
    nodeSelector: cluster.nodeExporter ? matchers(cluster.nodeExporter.selector) : undefined,
    nodeMatch: cluster.nodeExporter?.match,
    nodeDevice: cluster.nodeExporter?.device,
    displayLabel: cluster.members?.displayLabel,
  });
}

/**
 * The sub-window for checks that must see a fault from its onset: two steps (30 s for windows up to
 * 15 minutes). A rate over the worst-minute interval would mix 30 s of fault with 90 s of health; over
 * two steps, taken at every step, the worst one starts at the onset.
 */
export function recentSeconds(vars: Pick<QueryVars, 'stepSeconds'>): number {
  return 2 * vars.stepSeconds;
}

/**
 * How long after a member (re)starts its counters record the start-up rather than the incident. The
 * peer prober's smoothed round trip starts from the start-up's round trips (backend loading, the
 * election, peers connecting) and weighs each 4 s probe by 1/8, so it keeps (7/8)^n of them n probes
 * later: a 1 s start-up round trip weighs less than the 50 ms guideline after 22 probes, 90 s.
 */
export const SETTLE_SECONDS = 90;

/**
 * A counter's increase over the window without the member's first SETTLE_SECONDS: counted from the
 * first step at which the member is past them (process_start_time_seconds; without that metric nothing
 * is left out). A member younger than that at the end has no value: before the outer `unless`, a
 * restart inside the window would subtract the old process's count from the new one's.
 */
function settledIncrease(metric: string): string {
  const young = `(time() - process_start_time_seconds{$selector} < ${SETTLE_SECONDS})`;
  return `((${metric}{$selector} - min_over_time((${metric}{$selector} unless on ($member) ${young})[$window:$step])) unless on ($member) ${young})`;
}

/**
 * Fills the placeholders; every value comes from config or from numbers we computed. `$recent` spans two
 * steps in a diagnosis; a watch, which evaluates one instant, passes its own rate window instead.
 */
export function renderQuery(template: string, vars: QueryVars, recent: number = recentSeconds(vars)): string | undefined {
  if (template.includes('$node') && vars.nodeSelector === undefined) return undefined;
  return template
    .replace(SETTLED_INCREASE, (_whole, metric: string) => settledIncrease(metric))
    .replaceAll('$node_selector', vars.nodeSelector ?? '')
    .replaceAll('$node_device', vars.nodeDevice ?? NOT_A_DATA_DEVICE)
    .replaceAll('$node', vars.nodeLabel ?? 'instance')
    .replaceAll('$selector', vars.selector)
    .replaceAll('$member', vars.memberLabel)
    .replaceAll('$window_seconds', String(vars.windowSeconds))
    .replaceAll('$window', `${vars.windowSeconds}s`)
    .replaceAll('$rate', `${vars.rateSeconds}s`)
    .replaceAll('$recent', `${recent}s`)
    .replaceAll('$step', `${vars.stepSeconds}s`);
}

export function checkQuery(check: MetricCheck, vars: QueryVars): PlannedQuery | undefined {
  const promql = renderQuery(check.query, vars);
  if (promql === undefined) return undefined;
  return { kind: check.mode === 'window' ? 'instant' : 'range', promql };
}

/** The queries in order, each once (several checks may render the same PromQL). */
function distinct(queries: Array<PlannedQuery | undefined>): PlannedQuery[] {
  const seen = new Set<string>();
  return queries.filter((q): q is PlannedQuery => {
    if (!q || seen.has(`${q.kind}\u0000${q.promql}`)) return false;
    seen.add(`${q.kind}\u0000${q.promql}`);
    return true;
  });
}

const metricChecks = (playbooks: Playbook[]) => playbooks.flatMap((pb) => pb.checks.filter(isMetricCheck));

/** The key signals compared with an earlier window (instant queries, evaluated at an earlier time). */
export function planBaselines(playbooks: Playbook[], vars: QueryVars): PlannedQuery[] {
  return distinct(metricChecks(playbooks).filter((c) => c.baseline).map((c) => checkQuery(c, vars)));
}

/** Every distinct query a diagnosis needs: the context first, then each playbook's checks. */
export function planQueries(playbooks: Playbook[], vars: QueryVars): PlannedQuery[] {
  return distinct([...contextQueries(vars), ...metricChecks(playbooks).map((c) => checkQuery(c, vars))]);
}
