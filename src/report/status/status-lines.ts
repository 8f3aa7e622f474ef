import { formatBytes } from '../../text/units.js';
import { formatAmount, formatSignalValue, SIGNAL_TITLES } from '../../diagnosis/onset/format.js';
import type { WatchEvaluation } from '../../diagnosis/onset/types.js';

/**
 * The fleet at a glance, one line per cluster, short enough for a phone: health, leader, the signal
 * most over (or closest to) its guideline, the largest database against its quota, and what is open.
 * Pure: the terminal, Slack and the Home tab all render these same parts.
 */

/** What the caller knows besides the evaluation (open incidents and watch warnings, per cluster). */
export interface StatusExtras {
  openIncidents?: number;
  openWarnings?: number;
}

export type StatusHealth = 'ok' | 'suspect' | 'no-data';

export interface StatusParts {
  cluster: string;
  health: StatusHealth;
  icon: string;
  /** "ok", "disk on etcd-2 (+1 more)", "disk or cpu on etcd-2" (not told apart yet), "Prometheus unreachable: …". */
  state: string;
  /** "leader etcd-1", "no leader", "etcd-3 down" appended when a member is. */
  leader?: string;
  slowest?: string;
  db?: string;
  open?: string;
}

const ICONS: Record<StatusHealth, string> = { ok: '✅', suspect: '🟠', 'no-data': '❔' };

export function statusParts(ev: WatchEvaluation, extras: StatusExtras = {}): StatusParts {
  // Members known only from the day-long id lookback, none answering now: nothing to judge by.
  const health: StatusHealth = !ev.members.some((m) => m.up) ? 'no-data' : ev.suspects.length > 0 ? 'suspect' : 'ok';
  const top = ev.suspects[0];
  const state =
    health === 'no-data'
      ? noData(ev)
      : top
        ? `${top.tentative ? `${top.kind} or cpu` : top.kind} on ${top.member ?? 'all members'}${ev.suspects.length > 1 ? ` (+${ev.suspects.length - 1} more)` : ''}`
        : 'ok';
  const parts: StatusParts = { cluster: ev.cluster, health, icon: ICONS[health], state };
  if (health === 'no-data') return withOpen(parts, extras);
  const down = ev.members.filter((m) => !m.up).map((m) => m.member);
  parts.leader = `${ev.leader ? `leader ${ev.leader}` : 'no leader'}${down.length > 0 ? `, ${down.join(', ')} down` : ''}`;
  const s = ev.slowest;
  if (s) parts.slowest = `${SIGNAL_TITLES[s.id] ?? s.id} ${formatSignalValue(s)}${s.member ? ` ${s.member}${s.peer ? `→${s.peer}` : ''}` : ''} (${formatAmount(s.guideline, s)})`;
  const big = ev.db[0];
  if (big) parts.db = `db ${formatBytes(big.sizeBytes)}/${formatBytes(big.quotaBytes)}${big.quotaBytes > 0 ? ` (${Math.round((100 * big.sizeBytes) / big.quotaBytes)}%)` : ''}${ev.db.length > 1 ? ` ${big.member}` : ''}`;
  return withOpen(parts, extras);
}

/** "Prometheus unreachable: cannot reach …" or the first reason nothing could be read. */
function noData(ev: WatchEvaluation): string {
  const why = ev.missing[0]?.replace(/^[a-z0-9_, ]+: /, '') ?? (ev.members.length > 0 ? `no member answers its scrapes (${ev.members.map((m) => m.member).join(', ')})` : 'no answer');
  return /cannot reach|no answer from|stopped waiting/.test(why) ? `Prometheus unreachable: ${why}` : `no data: ${why}`;
}

function withOpen(parts: StatusParts, extras: StatusExtras): StatusParts {
  const open = [
    extras.openIncidents ? `${extras.openIncidents} incident${extras.openIncidents === 1 ? '' : 's'}` : undefined,
    extras.openWarnings ? `${extras.openWarnings} warning${extras.openWarnings === 1 ? '' : 's'}` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (open.length > 0) parts.open = `${open.join(', ')} open`;
  return parts;
}

/** The parts after the cluster name, joined: "disk on etcd-2 · leader etcd-1 · WAL fsync p99 ≥ 512 ms etcd-2 (10 ms) · db …". */
export function statusDetail(p: StatusParts): string {
  return [p.state, p.leader, p.slowest, p.db, p.open].filter((x): x is string => x !== undefined).join(' · ');
}

/**
 * Plain-text lines, one per cluster in the order given: `✅ prod  ok · leader etcd-1 · …`. `extras` is
 * keyed by cluster name.
 */
export function statusLines(evaluations: WatchEvaluation[], extras: Record<string, StatusExtras> = {}): string[] {
  return evaluations.map((ev) => {
    const p = statusParts(ev, Object.hasOwn(extras, ev.cluster) ? extras[ev.cluster] : {});
    return `${p.icon} ${p.cluster}  ${statusDetail(p)}`;
  });
}
