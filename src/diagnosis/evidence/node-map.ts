import type { NodeMatchConfig } from '../../config/schema.js';
import { escapeLabelValue } from '../../sources/prometheus/escape.js';
import type { MemberInfo, NodeMap } from './members.js';
import { findQuery, type Evidence } from './evidence.js';
import { isMetricCheck, type Playbook } from '../playbook/schema.js';
import { checkQuery } from './query-plan.js';
import type { QueryVars } from './query-vars.js';

/** The host part of an address: 10.0.0.11 of 10.0.0.11:2379, https://10.0.0.11:2379/ or [fd00::1]:2379. */
export function hostOf(address: string): string {
  const rest = address.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(rest);
  if (bracketed) return bracketed[1]!;
  // One colon: host:port. More: an IPv6 address without a port.
  return rest.split(':').length === 2 ? rest.slice(0, rest.indexOf(':')) : rest;
}

/**
 * Ties each member to one node: `nodes` are the label sets of the node series answered (the node label,
 * and nodename on node_uname_info series).
 */
export function mapMembersToNodes(
  members: MemberInfo[],
  memberLabel: string,
  match: NodeMatchConfig,
  nodeLabel: string,
  nodes: Array<Record<string, string>>,
): NodeMap {
  const known = new Set(nodes.map((n) => n[nodeLabel]).filter((v): v is string => v !== undefined));
  const nodeOf = new Map<string, string>();
  const unmatched: NodeMap['unmatched'] = [];
  const labelOf = (m: MemberInfo, label: string): string | undefined => (label === memberLabel ? m.name : m.labels[label]);
  for (const m of members) {
    const found = find(m);
    if (found.node !== undefined) nodeOf.set(m.name, found.node);
    else unmatched.push({ member: m.name, lookedFor: found.lookedFor });
  }
  return { nodeOf, unmatched };

  function find(m: MemberInfo): { node?: string; lookedFor: string } {
    switch (match.by) {
      case 'host': {
        const label = match.memberLabel ?? memberLabel;
        const address = labelOf(m, label);
        if (address === undefined) return { lookedFor: `its etcd target has no ${label} label to take the host from` };
        const host = hostOf(address);
        const node = [...known].sort().find((n) => hostOf(n) === host);
        // Said as a person would search for it, not as escaped PromQL.
        return { node, lookedFor: `looked for ${nodeLabel}=~"${host}:.*"` };
      }
      case 'label': {
        const value = labelOf(m, match.memberLabel);
        if (value === undefined) return { lookedFor: `its etcd target has no ${match.memberLabel} label` };
        return { node: known.has(value) ? value : undefined, lookedFor: `looked for ${nodeLabel}="${escapeLabelValue(value)}"` };
      }
      case 'nodename': {
        const value = labelOf(m, match.memberLabel);
        if (value === undefined) return { lookedFor: `its etcd target has no ${match.memberLabel} label` };
        const uname = nodes.find((n) => n.nodename === value && n[nodeLabel] !== undefined);
        return { node: uname?.[nodeLabel], lookedFor: `looked for node_uname_info{nodename="${escapeLabelValue(value)}"}` };
      }
      case 'map': {
        const value = match.members[m.name];
        if (value === undefined) return { lookedFor: `${m.name} is not listed in nodeExporter.match.members` };
        return { node: known.has(value) ? value : undefined, lookedFor: `looked for ${nodeLabel}="${escapeLabelValue(value)}"` };
      }
    }
  }
}

/** The members on a node; all of them (two or more) when the node is shared, as in a one-host lab. */
export function membersOn(map: NodeMap, node: string): string[] {
  return [...map.nodeOf].filter(([, n]) => n === node).map(([m]) => m).sort();
}

/**
 * The node map of one diagnosis, from the answers of the node checks that ran. With no node series at
 * all, the node checks themselves say so; only members missing beside found nodes are listed.
 */
export function nodeMapOf(playbooks: Playbook[], evidence: Evidence, members: MemberInfo[], vars: QueryVars): NodeMap | undefined {
  if (!vars.nodeMatch || !vars.nodeLabel) return undefined;
  const nodes: Array<Record<string, string>> = [];
  const seen = new Set<string>();
  for (const c of playbooks.flatMap((pb) => pb.checks.filter(isMetricCheck)).filter((c) => c.per === 'node')) {
    const planned = checkQuery(c, vars);
    if (!planned || seen.has(planned.promql)) continue;
    seen.add(planned.promql);
    for (const s of findQuery(evidence, planned.kind, planned.promql)?.result ?? []) nodes.push(s.labels);
  }
  const map = mapMembersToNodes(members, vars.memberLabel, vars.nodeMatch, vars.nodeLabel, nodes);
  return nodes.some((n) => n[vars.nodeLabel!] !== undefined) ? map : { ...map, unmatched: [] };
}
