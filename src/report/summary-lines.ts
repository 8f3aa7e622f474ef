import type { CheckResult, Diagnosis, Severity } from '../diagnosis/types.js';
import { formatBytes, formatSeconds } from '../text/units.js';

/**
 * The words shared by every output format (Slack, terminal, markdown): one place decides what an
 * on-call engineer reads first and how a measurement is phrased.
 */
const SEVERITY_ICON: ReadonlyMap<Severity, string> = new Map([
  ['ok', '✅'],
  ['warning', '🟠'],
  ['critical', '🔴'],
]);

/** A Map lookup: a diagnosis read back from JSON may carry any string, and "constructor" must find nothing. */
export const severityIcon = (s: Severity): string => SEVERITY_ICON.get(s) ?? '⚠️';

export function verdictIcon(d: Diagnosis): string {
  if (d.healthy) return severityIcon('ok');
  const top = d.causes[0] ?? d.consequences[0];
  if (top) return severityIcon(top.severity);
  return '⚠️';
}

export function windowText(d: Diagnosis): string {
  const hhmm = (iso: string): string => iso.slice(11, 16);
  return `${hhmm(d.window.start)}–${hhmm(d.window.end)} UTC`;
}

/** "WAL fsync p99: etcd-2 412 ms ⚠ · etcd-1 1.2 ms · etcd-3 1.1 ms (guideline < 10 ms)". */
export function checkLine(c: CheckResult, strong: (s: string) => string = (s) => s): string {
  if (c.missing) return `${c.title}: unavailable (${c.missing})`;
  const ordered = [...c.values].sort((a, b) => rank(b.severity) - rank(a.severity) || b.value - a.value);
  const shown = ordered.slice(0, 6).map((v) => {
    const who = v.member === '*' ? '' : `${v.member}${v.detail ? `→${v.detail}` : ''} `;
    const val = v.severity === 'ok' ? v.formatted : strong(v.formatted);
    const then = v.baseline && v.severity !== 'ok' ? ` (${v.baseline.when} ${v.baseline.formatted})` : '';
    return `${who}${val}${v.severity === 'ok' ? '' : ` ${severityIcon(v.severity)}`}${then}`;
  });
  const more = ordered.length > 6 ? ` (+${ordered.length - 6} more)` : '';
  return `${c.title}: ${shown.join(' · ')}${more}${c.guideline ? ` (guideline ${c.guideline})` : ''}`;
}

const rank = (s: Severity): number => (s === 'critical' ? 2 : s === 'warning' ? 1 : 0);

/** Checks worth showing: the breached ones first, then the ones that back a "healthy" claim. */
export function notableChecks(d: Diagnosis): CheckResult[] {
  const all = d.findings.flatMap((f) => f.checks).filter((c) => !c.missing && c.ref === undefined);
  const breached = all.filter((c) => c.severity !== 'ok');
  return breached.length > 0 ? breached : all;
}

/** The breached checks behind the top cause (or the top effect, when no cause was found), in its order. */
export function decidingChecks(d: Diagnosis): CheckResult[] {
  const top = d.causes[0] ?? d.consequences[0];
  if (!top) return [];
  const checks = d.findings.find((f) => f.playbook === top.playbook)?.checks ?? [];
  return top.signals.map((id) => checks.find((c) => c.check === id)).filter((c): c is CheckResult => c !== undefined && !c.missing && c.severity !== 'ok');
}

export function membersLine(d: Diagnosis): string {
  if (d.members.length === 0) return 'members: none seen';
  return `members: ${d.members
    .map((m) => `${m.name}${m.leader ? ' (leader)' : ''}${m.up ? '' : ' (DOWN)'}`)
    .join(', ')}${d.members[0]?.version ? ` · etcd ${d.members[0].version}` : ''}`;
}

/** "55 slow reads under /lab/light/ waited: time in 'agreement among raft nodes…', on etcd-3" (an effect line). */
export function waitingLine(w: NonNullable<Diagnosis['waiting_requests']>[number]): string {
  const where = w.dominant_step ? `time in '${w.dominant_step}'` : `max ${formatSeconds(w.max_ms / 1000)}`;
  return `${w.count} slow reads under ${w.prefix} only waited (${where}) on ${w.members.join(', ')}`;
}

/** "/registry/pods/ 120× · 45 s in total · max 3.1 s · 1.2 GiB returned · time in 'range keys from bolt db'". */
export function expensiveLine(r: Diagnosis['expensive_requests'][number]): string {
  const parts = [
    `${r.prefix} ${r.count}×`,
    `${formatSeconds(r.total_ms / 1000)} in total`,
    `max ${formatSeconds(r.max_ms / 1000)}`,
    r.response_bytes > 0 ? `${formatBytes(r.response_bytes)} returned` : undefined,
    r.max_response_count !== null ? `up to ${r.max_response_count} keys` : undefined,
    r.dominant_step ? `time in '${r.dominant_step}'` : undefined,
    `on ${r.members.join(', ')}`,
  ];
  return parts.filter((p): p is string => p !== undefined).join(' · ');
}
