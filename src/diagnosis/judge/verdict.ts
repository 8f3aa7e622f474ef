import type { Cause, Check, Playbook, Thresholds } from '../playbook/schema.js';
import { isRefCheck } from '../playbook/schema.js';
import type { CauseResult, CheckResult, Confidence, ConsequenceResult, MeasuredValue, Severity, SuggestionResult } from '../types.js';
import { SEVERITY_RANK, worst } from './evaluate-checks.js';
import { heartbeatElectionCommand } from '../compute/heartbeat-election.js';
import { tcPrioCommand } from '../compute/tc-prio.js';
import { forMemberVersions } from '../etcd-flags/for-members.js';

/**
 * From check results to ranked causes. A cause holds for a member when its `when` condition holds on
 * that member's check results; cluster-wide values ("*") count for every member. Causes are ranked by
 * evidence strength: how far over the guideline each breached signal is, and how many agree.
 */
type ChecksById = Map<string, CheckResult>;

/**
 * Whether a measured value concerns a member: its own, a cluster-wide one, or, for causes localised on
 * member→peer pairs, one measured toward it.
 */
const touches = (v: MeasuredValue, member: string, pairs: boolean): boolean =>
  v.member === member || v.member === '*' || (pairs && v.detail === member);

function severityFor(result: CheckResult | undefined, member: string, pairs = false): Severity {
  if (!result) return 'ok';
  return worst(result.values.filter((v) => touches(v, member, pairs)).map((v) => v.severity));
}

const breached = (r: CheckResult | undefined, member: string, pairs = false): boolean => SEVERITY_RANK[severityFor(r, member, pairs)] >= 1;

function holds(cause: Cause, checks: ChecksById, member: string): boolean {
  const { all, any, none } = cause.when;
  const pairs = cause.localise === 'pairs';
  return (
    all.every((id) => breached(checks.get(id), member, pairs)) &&
    (any.length === 0 || any.some((id) => breached(checks.get(id), member, pairs))) &&
    none.every((id) => !breached(checks.get(id), member, pairs))
  );
}

/** 1 for a value at the guideline, up to 4 for 8× over it; +1 when critical; 0 when not breached. */
function strengthOf(v: MeasuredValue, thresholds: Thresholds | undefined): number {
  if (v.severity === 'ok') return 0;
  let ratio = 1;
  if (thresholds && thresholds.warning !== 0) {
    // A histogram quantile is only known to lie past its bucket's lower edge: the margin is measured there.
    const measured = v.bounds ? (thresholds.direction === 'above' ? v.bounds.low : (v.bounds.high ?? v.value)) : v.value;
    ratio = thresholds.direction === 'above' ? measured / thresholds.warning : thresholds.warning / Math.max(measured, 1e-12);
  }
  return 1 + Math.min(3, Math.log2(Math.max(1, ratio))) + (v.severity === 'critical' ? 1 : 0);
}

/** The strongest of a check's values that concern a member. */
function strength(result: CheckResult, member: string, thresholds: Thresholds | undefined, pairs: boolean): number {
  return Math.max(0, ...result.values.filter((v) => touches(v, member, pairs)).map((v) => strengthOf(v, thresholds)));
}

/** A reused check grades with its original's thresholds. */
function thresholdsOf(c: Check, playbooks: Playbook[]): Thresholds | undefined {
  if (!isRefCheck(c)) return c.thresholds;
  if (c.thresholds) return c.thresholds;
  const [pbId, checkId] = c.ref.split('/');
  const target = playbooks.find((p) => p.id === pbId)?.checks.find((x) => x.id === checkId);
  return target && !isRefCheck(target) ? target.thresholds : undefined;
}

/**
 * Agreement and margin: several independent signals that are well over their guidelines make a cause
 * likely; signals that are all just over the line make it a maybe, however many there are.
 */
function confidenceOf(signals: number, severity: Severity, score: number): Confidence {
  const clear = score >= 1.8 * signals || severity === 'critical';
  if (signals >= 2 && clear) return 'high';
  if (signals >= 2 || severity === 'critical') return 'medium';
  return 'low';
}

/** The formatted value of a check for the worst of these members, for summaries. */
function worstFormatted(result: CheckResult | undefined, members: string[], pairs: boolean): string {
  if (!result) return 'n/a';
  if (result.missing) return 'n/a';
  const vals = result.values.filter((v) => members.some((m) => touches(v, m, pairs)));
  if (vals.length === 0) return 'n/a';
  const pick = vals.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] || (b.severity === a.severity && b.value > a.value) ? b : a));
  return pick.formatted;
}

export function fillText(text: string, members: string[], cluster: string, checks?: ChecksById, pairs = false): string {
  const list = members.filter((m) => m !== '*');
  const names = list.length > 0 ? list.join(', ') : 'all members';
  const fill = (t: string): string =>
    t.replace(/\{([a-z0-9_]+)\}/g, (whole, key: string) => {
      if (key === 'members' || key === 'member') return names;
      if (key === 'cluster') return cluster;
      if (checks?.has(key)) return worstFormatted(checks.get(key), list.length > 0 ? list : ['*'], pairs);
      return whole;
    });
  if (!checks) return fill(text);
  // A [bracketed] part of a summary is said only when its values were measured (the device's own numbers).
  return fill(text.replace(/\[([^[\]]*)\]/g, (_, part: string) => (fill(part).includes('n/a') ? '' : part)));
}

export interface VerdictInput {
  cluster: string;
  playbooks: Playbook[];
  checks: CheckResult[];
  members: string[];
  tuning: { clientPort: number; peerPort: number; interface: string };
  /** Member → etcd release (etcd_server_version), for commands spelled as that release takes them. */
  memberVersions?: Record<string, string>;
}

/**
 * For causes measured on member→peer pairs: the members that take part in every breached pair. A slow
 * link around etcd-2 breaches etcd-1→etcd-2, etcd-3→etcd-2 and etcd-2→both, and only etcd-2 is in all
 * of them. A pair only just past the line elsewhere (one noisy probe) must not undo that: when the
 * clearly breached pairs share a member, that member is named. When every pair is slow, nobody is,
 * and all members stay named.
 */
function localisePairs(cause: Cause, checks: ChecksById, members: string[], matched: string[], clear: (v: MeasuredValue, check: string) => boolean): string[] {
  const breachedPairs: Array<{ pair: [string, string]; clear: boolean }> = [];
  for (const id of [...cause.when.all, ...cause.when.any]) {
    for (const v of checks.get(id)?.values ?? []) {
      if (v.severity !== 'ok' && v.detail !== undefined) breachedPairs.push({ pair: [v.member, v.detail], clear: clear(v, id) });
    }
  }
  if (breachedPairs.length === 0) return matched;
  // One slow pair has two ends: the one where the cause's other conditions hold is the one to name
  // (a starved member's own probes are slow, and only its own timings are inflated).
  const inAll = (pairs: Array<[string, string]>): string[] => {
    const ends = members.filter((m) => pairs.every(([a, b]) => a === m || b === m));
    const narrowed = ends.filter((m) => matched.includes(m));
    return narrowed.length > 0 ? narrowed : ends;
  };
  const all = inAll(breachedPairs.map((p) => p.pair));
  if (all.length > 0) return all;
  const clearPairs = breachedPairs.filter((p) => p.clear).map((p) => p.pair);
  const inClear = clearPairs.length > 0 ? inAll(clearPairs) : [];
  return inClear.length > 0 ? inClear : matched;
}

/**
 * The delay a cause adds, in seconds: the worst breached value of its delay check on its members, at the
 * lower bucket edge for histograms (what is certain). Undefined when nothing is breached.
 */
function delayOf(result: CheckResult | undefined, members: string[], pairs: boolean): number | undefined {
  const vals = (result?.values ?? []).filter((v) => v.severity !== 'ok' && members.some((m) => touches(v, m, pairs)));
  if (vals.length === 0) return undefined;
  return Math.max(...vals.map((v) => v.bounds?.low ?? v.value));
}

/**
 * For causes on members: when some matched members are clearly breached and others only just past a
 * line, the clear ones are the cause's members (the others are what a busy node does to everyone).
 */
function standingOut(cause: Cause, checks: ChecksById, matched: string[], clear: (v: MeasuredValue, check: string) => boolean): string[] {
  if (matched.length < 2) return matched;
  const ids = [...cause.when.all, ...cause.when.any];
  const isClear = (m: string): boolean => ids.some((id) => (checks.get(id)?.values ?? []).some((v) => v.member === m && clear(v, id)));
  const clearOnes = matched.filter(isClear);
  return clearOnes.length > 0 ? clearOnes : matched;
}

/**
 * The most affected member first: on a shared node a neighbour can be touched too. Members whose
 * evidence is within one point of the most affected one left (less than one signal twice as far over its
 * line) are equally affected and listed by name: a write flood reads 3,550 keys/s on one member and
 * 3,420 on another, and which is "first" would otherwise change with the backend's rate().
 */
function rankMembers(members: string[], score: Map<string, number>): string[] {
  const left = [...members].sort((a, b) => score.get(b)! - score.get(a)! || a.localeCompare(b));
  const out: string[] = [];
  while (left.length > 0) {
    const top = score.get(left[0]!)!;
    const tied = left.filter((m) => top - score.get(m)! < 1);
    out.push(...tied.sort((a, b) => a.localeCompare(b)));
    for (const m of tied) left.splice(left.indexOf(m), 1);
  }
  return out;
}

export interface Verdict {
  causes: CauseResult[];
  consequences: ConsequenceResult[];
  information: CauseResult[];
  suggestions: SuggestionResult[];
}

export function decide(input: VerdictInput): Verdict {
  const found: Array<CauseResult & { kind: Cause['kind']; explainedBy: string[]; delay: number | undefined; supportingOnly: boolean }> = [];
  for (const pb of input.playbooks) {
    const checks: ChecksById = new Map(input.checks.filter((c) => c.playbook === pb.id).map((c) => [c.check, c]));
    const thresholds = new Map(pb.checks.map((c) => [c.id, thresholdsOf(c, input.playbooks)]));
    const candidates = input.members.length > 0 ? input.members : ['*'];
    for (const cause of pb.causes) {
      const matched = candidates.filter((m) => holds(cause, checks, m));
      if (matched.length === 0) continue;
      // Localising looks at every member: the far end of the slow pairs may not breach as a sender.
      // Clearly breached: critical, or at least twice the line (strength counts doublings from 1).
      const clear = (v: MeasuredValue, id: string): boolean => {
        const r = checks.get(id);
        return v.severity === 'critical' || (r !== undefined && strengthOf(v, thresholds.get(id)) >= 2);
      };
      const members = cause.localise === 'pairs' ? localisePairs(cause, checks, candidates, matched, clear) : standingOut(cause, checks, matched, clear);
      const signalIds = [...cause.when.all, ...cause.when.any, ...cause.support].filter((id, i, a) => a.indexOf(id) === i);
      const pairs = cause.localise === 'pairs';
      // Discriminators (impact: information, e.g. "every fsync slow") back a cause but are not what it
      // is about: the signals that are come first (the report and the charts lead with the first).
      const signals = signalIds
        .filter((id) => members.some((m) => breached(checks.get(id), m, pairs)))
        .sort((a, b) => Number(checks.get(a)?.impact === 'information') - Number(checks.get(b)?.impact === 'information'));
      const severity = worst(
        [...cause.when.all, ...cause.when.any].flatMap((id) => members.map((m) => severityFor(checks.get(id), m, pairs))),
      );
      const memberScore = new Map(
        members.map((m) => [m, signals.reduce((s, id) => s + strength(checks.get(id)!, m, thresholds.get(id), pairs), 0)]),
      );
      const score = Math.max(...memberScore.values());
      const ranked = rankMembers(members, memberScore);
      // Just past a line on every member alike, and nowhere clearly: what a busy but healthy cluster
      // looks like. True, worth knowing, not why anything is slow.
      const whenIds = [...cause.when.all, ...cause.when.any];
      const nowhereClear = !whenIds.some((id) => (checks.get(id)?.values ?? []).some((v) => members.some((m) => touches(v, m, pairs)) && clear(v, id)));
      const marginal = !pairs && cause.kind === 'cause' && severity === 'warning' && nowhereClear;
      const everywhereMarginally = marginal && candidates.length > 1 && candidates.every((m) => members.includes(m));
      // Just past a line on a node short of CPU: the timers measured the wait for the CPU.
      const busyNode = marginal ? cause.marginalWhen.find((id) => members.some((m) => breached(checks.get(id), m))) : undefined;
      const summary = fillText(cause.summary, members, input.cluster, checks, pairs);
      found.push({
        playbook: pb.id,
        cause: cause.id,
        title: cause.title,
        severity,
        members: ranked.filter((m) => m !== '*'),
        confidence: confidenceOf(signals.length, severity, score),
        score: Math.round(score * 100) / 100,
        summary: busyNode ? `${summary}, one bucket past the line while ${checks.get(busyNode)!.title} is ${worstFormatted(checks.get(busyNode), members, false)}` : summary,
        signals,
        suggestions: cause.suggestions,
        kind: everywhereMarginally || busyNode ? 'information' : cause.kind,
        explainedBy: cause.explainedBy,
        delay: cause.delay ? delayOf(checks.get(cause.delay), members, pairs) : undefined,
        supportingOnly: severity !== 'critical' && signals.every((id) => checks.get(id)?.impact === 'supporting'),
      });
    }
  }
  found.sort((a, b) => b.score - a.score || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  // Causes that state the delay they add take the places they hold among all causes in order of that
  // delay: the one costing clients most first, whatever the others' margins.
  const slots = found.flatMap((c, i) => (c.delay !== undefined ? [i] : []));
  const byDelay = slots.map((i) => found[i]!).sort((a, b) => b.delay! - a.delay! || b.score - a.score);
  slots.forEach((slot, k) => { found[slot] = byDelay[k]!; });

  const ref = (c: { playbook: string; cause: string }): string => `${c.playbook}/${c.cause}`;
  const overlaps = (a: string[], b: string[]): boolean => a.length === 0 || b.length === 0 || a.some((m) => b.includes(m));
  /**
   * The evidence chain by member: a cause on one member explains what it overlaps; a cause spread over
   * several (load on the whole cluster) explains only what is spread too, over its members. A slow
   * disk on one member under cluster-wide expensive reads stands on its own.
   */
  const explains = (o: { members: string[] }, c: { members: string[] }): boolean =>
    o.members.length <= 1 ? overlaps(o.members, c.members) : c.members.length !== 1 && c.members.every((m) => o.members.includes(m));
  type Found = (typeof found)[number];
  /**
   * Who explains a cause: a found cause it names in explainedBy, on an overlapping member. When two
   * causes name each other (expensive reads load the CPU; a starved CPU slows reads), the stronger one
   * is the explanation.
   */
  const explainerOf = (c: Found): Found | undefined =>
    found.find(
      (o) =>
        o !== c &&
        c.explainedBy.includes(ref(o)) &&
        explains(o, c) &&
        !(o.explainedBy.includes(ref(c)) && c.score > o.score),
    );
  /** Follows explanations to the cause at the root (a slow disk explained by a starved CPU explained by load). */
  const rootOf = (c: Found): Found => {
    const seen = new Set<Found>([c]);
    let cur = c;
    for (let next = explainerOf(cur); next && !seen.has(next); next = explainerOf(cur)) {
      seen.add(next);
      cur = next;
    }
    return cur;
  };
  const causes: CauseResult[] = [];
  const consequences: ConsequenceResult[] = [];
  const information: CauseResult[] = [];
  for (const c of found) {
    const { kind, explainedBy: _explainedBy, delay: _delay, supportingOnly, ...result } = c;
    if (kind === 'information') {
      information.push({ ...result, severity: 'ok' });
      continue;
    }
    const explainer = explainerOf(c);
    if (explainer) {
      consequences.push({ ...result, attributed_to: ref(rootOf(explainer)) });
    } else if (kind === 'consequence') {
      // Leadership effects are felt cluster-wide (a slow follower link makes the leader's heartbeats
      // fail): attribute them to the strongest cause found.
      const by = found.find((o) => o.kind === 'cause' && !explainerOf(o));
      if (by) consequences.push({ ...result, attributed_to: ref(by) });
      // With no cause to follow, an effect seen only in counts that every hiccup and ordinary load
      // raise (two late heartbeats) is worth knowing, not a problem; many of them (critical) are.
      else if (supportingOnly) information.push({ ...result, severity: 'ok' });
      else consequences.push(result);
    } else {
      causes.push(result);
    }
  }

  const suggestions: SuggestionResult[] = [];
  for (const c of [...causes, ...information]) {
    const pb = input.playbooks.find((p) => p.id === c.playbook);
    for (const id of c.suggestions) {
      const s = pb?.suggestions.find((x) => x.id === id);
      if (!s) continue;
      const existing = suggestions.find((x) => x.playbook === c.playbook && x.id === id);
      if (existing) {
        existing.members = [...new Set([...existing.members, ...c.members])];
        continue;
      }
      const computed = s.compute ? compute(s.compute, input) : undefined;
      if (s.compute && !computed) continue;
      const fill = (t: string): string => fillText(t, c.members, input.cluster);
      const written = computed?.command ?? (s.command ? fill(s.command) : undefined);
      // Flags differ between etcd releases: spelled for the release the members run, or left out when
      // the suggestion is not for it (e.g. a default that release already has).
      const versioned = forMemberVersions({ command: written, etcd: s.etcd, fill }, c.members, input.memberVersions ?? {});
      if (!versioned) continue;
      suggestions.push({
        playbook: c.playbook,
        id,
        text: (computed?.text ?? fill(s.text)) + versioned.note,
        ...(versioned.command ? { command: versioned.command } : {}),
        ...(versioned.etcdVersion ? { etcd_version: versioned.etcdVersion } : {}),
        members: [...c.members],
      });
    }
  }
  return { causes, consequences, information, suggestions };
}

/** Commands that need this cluster's measurements; undefined when the measurement is missing. */
function compute(name: NonNullable<Playbook['suggestions'][number]['compute']>, input: VerdictInput): { text?: string; command: string } | undefined {
  switch (name) {
    case 'heartbeat-election':
      return heartbeatElectionCommand(input.checks);
    case 'tc-prio':
      return { command: tcPrioCommand(input.tuning) };
  }
}
