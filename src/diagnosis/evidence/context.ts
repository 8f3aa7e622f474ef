import type { Evidence } from './evidence.js';
import { findQuery } from './evidence.js';
import type { PlannedQuery, QueryVars } from './query-vars.js';
import type { MemberInfo, NodeMap } from './members.js';

/**
 * Facts every diagnosis needs besides the playbooks: which members exist and are up, who leads, and
 * which etcd version runs (3.4 lacks traces without zap, some metrics arrive in 3.5…).
 */
export function contextQueries(vars: QueryVars): PlannedQuery[] {
  return [
    { kind: 'instant', promql: upQuery(vars) },
    { kind: 'instant', promql: leaderQuery(vars) },
    { kind: 'instant', promql: versionQuery(vars) },
    { kind: 'instant', promql: idQuery(vars) },
  ];
}

// The share of failed scrapes, written exactly as resources/scrape_gaps writes it so that one query
// serves both (the query budget is tight): a member was seen when it answered at least one scrape.
const upQuery = (v: QueryVars): string => `1 - avg by (${v.memberLabel}) (avg_over_time(up{${v.selector}}[${v.windowSeconds}s]))`;
const leaderQuery = (v: QueryVars): string =>
  `max by (${v.memberLabel}) (last_over_time(etcd_server_is_leader{${v.selector}}[${v.windowSeconds}s]))`;
const versionQuery = (v: QueryVars): string =>
  `max by (${v.memberLabel}, server_version) (last_over_time(etcd_server_version{${v.selector}}[${v.windowSeconds}s]))`;

// Ids look back a day: a member that could not be scraped during the window still needs its name. The
// same query reads the member's other target labels (display name, the address its node is found by).
const idQuery = (v: QueryVars): string =>
  `max by (${[v.memberLabel, 'server_id', ...(v.memberLabels ?? [])].join(', ')}) (last_over_time(etcd_server_id{${v.selector}}[${Math.max(86400, v.windowSeconds)}s]))`;

export interface ClusterContext {
  members: MemberInfo[];
  leader?: string;
  /** Member id (hex) → member name, for peer labels. */
  nameById: Map<string, string>;
  /** Member → node, when node_exporter is configured (set after the checks' answers are in: node-map.ts). */
  nodes?: NodeMap;
  /** The context queries themselves failed: Prometheus is down or the selector matches nothing. */
  problem?: string;
}

export function readContext(evidence: Evidence, vars: QueryVars): ClusterContext {
  const find = (promql: string) => findQuery(evidence, 'instant', promql);
  const up = find(upQuery(vars));
  const leader = find(leaderQuery(vars));
  const version = find(versionQuery(vars));
  const ids = find(idQuery(vars));
  const members = new Map<string, MemberInfo>();
  const member = (name: string): MemberInfo => {
    let m = members.get(name);
    if (!m) {
      m = { name, seen: false, leader: false, labels: {} };
      members.set(name, m);
    }
    return m;
  };
  for (const s of up?.result ?? []) {
    const name = s.labels[vars.memberLabel];
    if (name !== undefined) member(name).seen = (s.points.at(-1)?.v ?? 1) < 1;
  }
  for (const s of leader?.result ?? []) {
    const name = s.labels[vars.memberLabel];
    if (name !== undefined && (s.points.at(-1)?.v ?? 0) >= 1) member(name).leader = true;
  }
  for (const s of version?.result ?? []) {
    const name = s.labels[vars.memberLabel];
    if (name !== undefined) member(name).version = s.labels.server_version;
  }
  for (const s of ids?.result ?? []) {
    const name = s.labels[vars.memberLabel];
    if (name === undefined) continue;
    const m = member(name);
    if (s.labels.server_id) m.id = s.labels.server_id;
    for (const l of vars.memberLabels ?? []) if (s.labels[l] !== undefined) m.labels[l] = s.labels[l];
  }
  const list = [...members.values()].sort((a, b) => a.name.localeCompare(b.name));
  let problem: string | undefined;
  if (up?.error) problem = up.error.message;
  else if (up && list.length === 0) problem = `no target matches {${vars.selector}} in this window: check the cluster selector`;
  // Members known from the day-long id lookback but not one scraped in the window: every number of the
  // window is missing, so "no latency problem" would be a claim without evidence.
  else if (up && !list.some((m) => m.seen)) problem = 'no member was scraped in this window: every member is down, or Prometheus is not scraping them';
  const nameById = new Map(list.filter((m) => m.id).map((m) => [m.id!, m.name]));
  return { members: list, leader: list.find((m) => m.leader)?.name, nameById, problem };
}
