import type { ClusterContext } from './context.js';
import type { MemberInfo } from './members.js';
import type { EvidenceLogEvent } from './evidence.js';
import type { CheckResult } from '../types.js';

/**
 * Members as people know them. The member label's value (often an address such as 10.0.0.11:2381) is
 * what queries and log sources key on; texts name members by a label people recognise (pod, node),
 * when one is configured and every member carries a distinct value of it. The address stays in the
 * JSON's member list.
 */
export function displayNames(members: MemberInfo[], displayLabel: string | undefined): Map<string, string> {
  const names = new Map(members.map((m) => [m.name, displayLabel ? (m.labels[displayLabel] ?? m.name) : m.name]));
  // Two members under one name (a label missing on one, a copied pod name) would merge their evidence.
  const counts = new Map<string, number>();
  for (const n of names.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
  for (const [raw, n] of names) if (counts.get(n)! > 1) names.set(raw, raw);
  return names;
}

const rename = (names: Map<string, string>, member: string): string => names.get(member) ?? member;

/** Check values under display names; peer labels (detail) that name members too. */
export function renameChecks(checks: CheckResult[], names: Map<string, string>): CheckResult[] {
  return checks.map((c) => ({
    ...c,
    values: c.values.map((v) => ({
      ...v,
      member: rename(names, v.member),
      ...(v.detail !== undefined ? { detail: rename(names, v.detail) } : {}),
    })),
  }));
}

export function renameContext(ctx: ClusterContext, names: Map<string, string>): ClusterContext {
  return {
    ...ctx,
    members: ctx.members.map((m) => ({ ...m, name: rename(names, m.name) })),
    ...(ctx.leader !== undefined ? { leader: rename(names, ctx.leader) } : {}),
    nameById: new Map([...ctx.nameById].map(([id, n]) => [id, rename(names, n)])),
  };
}

export function renameEvents(events: EvidenceLogEvent[], names: Map<string, string>): EvidenceLogEvent[] {
  return events.map((e) => (names.has(e.member) && names.get(e.member) !== e.member ? { ...e, member: rename(names, e.member) } : e));
}
