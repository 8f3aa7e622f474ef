import { RE2JS } from 're2js';
import { request } from 'undici';
import { z } from 'zod';
import { rfc3339Time } from '../config/rfc3339.js';
import type { SilenceSummary } from './summary.js';

/**
 * Active silences from the Alertmanager API (GET /api/v2/silences), validated, and the test of whether
 * a silence can cover a cluster's alerts.
 */

const matcherSchema = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  /** Absent in Alertmanager before 0.22: equality then. */
  isEqual: z.boolean().optional(),
});

export const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  matchers: z.array(matcherSchema),
  // RFC 3339 as Alertmanager writes it; anything else would end in an Invalid Date in the handoff.
  startsAt: rfc3339Time,
  endsAt: rfc3339Time,
  createdBy: z.string(),
  comment: z.string(),
});

export type Silence = z.infer<typeof silenceSchema>;
export type SilenceMatcher = z.infer<typeof matcherSchema>;

export class SilencesUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SilencesUnavailable';
  }
}

/** Active silences of one Alertmanager; any failure is one error that says which and why. */
export async function fetchActiveSilences(apiUrl: string, timeoutMs = 3000): Promise<Silence[]> {
  const url = new URL('api/v2/silences', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  let body: unknown;
  try {
    const res = await request(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new SilencesUnavailable(`Alertmanager ${url.origin} answered HTTP ${res.statusCode} for silences`);
    }
    body = await res.body.json();
  } catch (err) {
    if (err instanceof SilencesUnavailable) throw err;
    throw new SilencesUnavailable(`cannot read silences from ${url.origin}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = z.array(silenceSchema).safeParse(body);
  if (!parsed.success) throw new SilencesUnavailable(`Alertmanager ${url.origin} sent silences in an unexpected shape`);
  return parsed.data.filter((s) => s.status.state === 'active');
}

/** A regex matcher's value compiled as Alertmanager does, or why RE2 cannot read it. */
type CompiledRegex = { ok: true; re: RE2JS } | { ok: false; problem: string };
const compiled = new Map<string, CompiledRegex>();

/**
 * Alertmanager compiles `=~` and `!~` values with Go's regexp (RE2 syntax) anchored as `^(?:value)$`;
 * re2js reads the same syntax, where a JavaScript RegExp would differ (`\z`, `\pL`, `(?P<name>…)`,
 * `(?i)`). Compiled values are kept: the same few silences are evaluated for every cluster.
 */
function compileMatcherRegex(value: string): CompiledRegex {
  let c = compiled.get(value);
  if (c === undefined) {
    try {
      RE2JS.compile(value); // the operator's own text, so that an error quotes what they wrote
      c = { ok: true, re: RE2JS.compile(`^(?:${value})$`) };
    } catch (err) {
      c = { ok: false, problem: err instanceof Error ? err.message : String(err) };
    }
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(value, c);
  }
  return c;
}

/** Whether the matcher accepts the label value; undefined when its regex cannot be read. */
function accepts(m: SilenceMatcher, value: string): boolean | undefined {
  let hit: boolean;
  if (m.isRegex) {
    const c = compileMatcherRegex(m.value);
    if (!c.ok) return undefined;
    hit = c.re.matches(value);
  } else {
    hit = m.value === value;
  }
  return (m.isEqual ?? true) ? hit : !hit;
}

export interface SilenceCoverage {
  /** The silence can mute this cluster's alerts. */
  covers: boolean;
  /** Matchers whose regex RE2 cannot read; such a matcher is taken as possibly matching. */
  problems: string[];
}

/**
 * Whether a silence can mute this cluster's alerts: no matcher on a label that identifies the cluster
 * rejects the cluster's value. A silence that names no identifying label (only an alertname, say)
 * mutes that alert on every cluster, this one included, so it is listed. A regex that cannot be read
 * (Alertmanager refuses those, so only another API could send one) rules nothing out, and is reported.
 */
export function silenceCoverage(s: Silence, identity: Readonly<Record<string, string>>): SilenceCoverage {
  const problems: string[] = [];
  let covers = true;
  for (const m of s.matchers) {
    if (m.isRegex) {
      const c = compileMatcherRegex(m.value);
      if (!c.ok) problems.push(`matcher ${matchersText([m])} is not a valid regular expression (${c.problem})`);
    }
    if (Object.hasOwn(identity, m.name) && accepts(m, identity[m.name]!) === false) covers = false;
  }
  return { covers, problems };
}

export function silenceCoversCluster(s: Silence, identity: Readonly<Record<string, string>>): boolean {
  return silenceCoverage(s, identity).covers;
}

export function matchersText(ms: readonly SilenceMatcher[]): string {
  const op = (m: SilenceMatcher): string => (m.isEqual === false ? (m.isRegex ? '!~' : '!=') : m.isRegex ? '=~' : '=');
  return `{${ms.map((m) => `${m.name}${op(m)}${JSON.stringify(m.value)}`).join(', ')}}`;
}

export function silenceSummary(s: Silence, untilMs: number): SilenceSummary {
  return {
    id: s.id,
    matchers: matchersText(s.matchers),
    created_by: s.createdBy,
    comment: s.comment,
    ends_at: new Date(s.endsAt).toISOString(),
    expires_in_seconds: Math.max(0, Math.round((Date.parse(s.endsAt) - untilMs) / 1000)),
  };
}
