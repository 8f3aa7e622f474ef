import type { Evidence } from '../evidence/evidence.js';
import { isMetricCheck, type Playbook } from '../playbook/schema.js';
import type { QueryVars } from '../evidence/query-vars.js';
import { clusterVars } from '../evidence/query-plan.js';
import { readContext } from '../evidence/context.js';
import { evaluateChecks, SEVERITY_RANK } from './evaluate-checks.js';
import { decide } from './verdict.js';
import { formatDuration } from '../window.js';
import type { CheckResult, Diagnosis, MissingEvidence } from '../types.js';
import { buildTimeline } from './timeline.js';
import { slowReads } from './expensive-requests.js';
import { nodeMapOf } from '../evidence/node-map.js';
import { displayNames, renameChecks, renameContext, renameEvents } from '../evidence/member-names.js';
import { judgeDevice } from './device-evidence.js';

export function varsOf(evidence: Evidence): QueryVars {
  return {
    ...clusterVars(evidence),
    windowSeconds: evidence.window.seconds,
    rateSeconds: evidence.window.rateSeconds,
    stepSeconds: evidence.window.stepSeconds,
  };
}

/**
 * The diagnosis of one evidence bundle: pure, no I/O, the same answer every time for the same input.
 * That is what makes `replay` and the recorded-incident tests exact.
 */
export function diagnose(evidence: Evidence, allPlaybooks: Playbook[]): Diagnosis {
  const playbooks = allPlaybooks.filter((p) => evidence.playbooks.includes(p.id));
  const vars = varsOf(evidence);
  const raw = readContext(evidence, vars);
  raw.nodes = nodeMapOf(allPlaybooks, evidence, raw.members, vars);
  // Checks read series by the member label's values; from here on members go by their display names.
  const names = displayNames(raw.members, evidence.displayLabel);
  const checks: CheckResult[] = renameChecks(evaluateChecks(playbooks, allPlaybooks, evidence, raw, vars), names);
  const ctx = renameContext(raw, names);
  const events = renameEvents(evidence.logs?.events ?? [], names);
  const members = [...new Set([...ctx.members.map((m) => m.name), ...checks.flatMap((c) => c.values.map((v) => v.member))])]
    .filter((m) => m !== '*')
    .sort();
  const memberVersions = Object.fromEntries(ctx.members.flatMap((m) => (m.version ? [[m.name, m.version]] : [])));
  // A slow-fsync verdict is told what the data device itself did (quiet: the time went above it).
  const verdict = judgeDevice(decide({ cluster: evidence.cluster, playbooks, checks, members, tuning: evidence.tuning, memberVersions }), checks, playbooks, evidence.cluster);

  const missing = missingChecks(checks, allPlaybooks);
  if (ctx.problem) missing.unshift({ playbook: 'context', check: 'members', reason: ctx.problem });
  for (const u of raw.nodes?.unmatched ?? []) {
    missing.push({ playbook: 'resources', check: 'node', reason: `no node_exporter series for ${names.get(u.member) ?? u.member} (${u.lookedFor})` });
  }
  for (const e of evidence.logs?.errors ?? []) {
    missing.push({ playbook: 'logs', check: (e.member !== undefined ? names.get(e.member) : undefined) ?? e.member ?? e.source, reason: `${e.source}: ${e.message}` });
  }
  missing.push(...partialAnswers(evidence));

  const evaluated = checks.filter((c) => c.missing === undefined);
  // A breach that slows nothing (fragmentation far below the quota, a line just passed on every member
  // alike, the node's CPU pressure) is information, not a problem; a supporting count just past its
  // line (slow applies, a fraction of a percent of a busy member's requests) backs causes but alone is
  // no evidence that clients wait.
  const informative = new Set(verdict.information.flatMap((i) => i.signals.map((s) => `${i.playbook}/${s}`)));
  const breachedChecks = evaluated.filter(
    (c) =>
      SEVERITY_RANK[c.severity] >= (c.impact === 'supporting' ? 2 : 1) &&
      c.impact !== 'information' &&
      !informative.has(`${c.playbook}/${c.check}`),
  );
  // "Healthy" is a claim: make it only when the evidence to back it is there.
  const enoughEvidence = ctx.problem === undefined && evaluated.length > 0;
  const healthy = enoughEvidence && verdict.causes.length === 0 && verdict.consequences.length === 0 && breachedChecks.length === 0;
  const window = formatDuration(evidence.window.seconds);
  const reads = evidence.logs ? slowReads(events, verdict.causes) : { expensive: [], waiting: [] };

  let headline: string;
  const top = verdict.causes[0];
  if (top) {
    headline = `${top.title} on ${top.members.join(', ') || 'all members'}: ${top.summary}`;
  } else if (!enoughEvidence) {
    headline = `Could not diagnose ${evidence.cluster}: ${ctx.problem ?? 'no evidence could be collected'}`;
  } else if (healthy) {
    headline = `No latency problem found on ${evidence.cluster} in the last ${window}`;
  } else if (verdict.consequences.length > 0) {
    headline = `${verdict.consequences[0]!.title} on ${evidence.cluster}, cause not identified`;
  } else {
    headline = `Signals above guideline on ${evidence.cluster} (${breachedChecks.map((c) => c.title).join(', ')}), no known cause matched`;
  }

  return {
    cluster: evidence.cluster,
    window: {
      start: new Date(evidence.window.start * 1000).toISOString(),
      end: new Date(evidence.window.end * 1000).toISOString(),
      seconds: evidence.window.seconds,
    },
    healthy,
    headline,
    members: raw.members.map((m) => ({
      name: names.get(m.name) ?? m.name,
      ...(names.get(m.name) !== m.name ? { address: m.name } : {}),
      ...(raw.nodes?.nodeOf.has(m.name) ? { node: raw.nodes.nodeOf.get(m.name)! } : {}),
      leader: m.leader,
      up: m.seen,
      ...(m.version ? { version: m.version } : {}),
    })),
    causes: verdict.causes,
    consequences: verdict.consequences,
    information: verdict.information,
    findings: playbooks.map((pb) => ({ playbook: pb.id, title: pb.title, checks: checks.filter((c) => c.playbook === pb.id) })),
    suggestions: verdict.suggestions,
    timeline: buildTimeline(checks, events, ctx),
    expensive_requests: reads.expensive,
    waiting_requests: reads.waiting,
    missing_evidence: missing,
    evidence: {
      queries: evidence.queries.length,
      failed_queries: evidence.queries.filter((q) => q.error).length,
      log_events: evidence.logs?.events.length ?? 0,
      collected_at: evidence.collectedAt,
      duration_ms: evidence.durationMs,
    },
  };
}

/**
 * Checks that could not be evaluated, with why. Node checks that share one query and miss for one
 * reason (no node_exporter configured, no disk series) are one line: the reader needs the reason once.
 */
function missingChecks(checks: CheckResult[], playbooks: Playbook[]): MissingEvidence[] {
  const perNode = (c: CheckResult): boolean =>
    playbooks.find((p) => p.id === c.playbook)?.checks.some((x) => x.id === c.check && isMetricCheck(x) && x.per === 'node') ?? false;
  const out: Array<MissingEvidence & { node?: boolean }> = [];
  for (const c of checks.filter((x) => x.missing !== undefined && x.ref === undefined)) {
    const same = perNode(c) ? out.find((m) => m.playbook === c.playbook && m.reason === c.missing && m.node) : undefined;
    if (same) same.check = `${same.check}, ${c.check}`;
    else out.push({ playbook: c.playbook, check: c.check, reason: c.missing!, ...(perNode(c) ? { node: true } : {}) });
  }
  return out.map(({ node: _node, ...m }) => m);
}

/**
 * Answers the server flagged (a Thanos partial response, a store that did not answer) were used, but may
 * lack members or samples: each distinct warning is named once, with how many queries carried it.
 */
function partialAnswers(evidence: Evidence): MissingEvidence[] {
  const counts = new Map<string, number>();
  for (const q of evidence.queries) for (const w of q.warnings ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].map(([warning, n]) => ({
    playbook: 'prometheus',
    check: 'partial-response',
    reason: `${n} of ${evidence.queries.length} queries got a partial answer, so their results may lack data: ${warning}`,
  }));
}
