import type { WatchEvaluation } from '../diagnosis/onset/types.js';
import { describeSignal } from '../diagnosis/onset/format.js';
import { formatBytes } from '../diagnosis/format.js';
import type { WatchState } from '../incidents/watch-transition.js';
import { esc } from './slack-text.js';

/**
 * One line per cluster for `/etcd status` and the Home tab, from what the watch last stored: health,
 * leader, the slowest signal against its guideline, database size against quota, open alert groups and
 * warnings. Pure: the caller reads Redis (never Prometheus), this only words it.
 */
export interface StatusInput {
  cluster: string;
  watched: boolean;
  /** The watch interval, to tell a stale evaluation from a fresh one. */
  intervalSeconds: number;
  evaluation?: WatchEvaluation;
  state?: WatchState;
  /** Alert groups of the cluster firing now. */
  openAlerts: number;
  now: number;
}

/** An evaluation older than this many intervals counts as missing: the watch is behind or stopped. */
const STALE_INTERVALS = 3;

const hhmm = (iso: string): string => `${iso.slice(11, 16)} UTC`;
const minutes = (ms: number): number => Math.max(1, Math.round(ms / 60_000));

export function statusLine(i: StatusInput): string {
  const name = `*${esc(i.cluster)}*`;
  const alerts = i.openAlerts > 0 ? `🔔 ${i.openAlerts} alert group${i.openAlerts === 1 ? '' : 's'} firing` : undefined;
  const tail = (parts: (string | undefined)[]): string => parts.filter((p): p is string => p !== undefined).join(' · ');
  if (!i.watched) return tail([`⚪ ${name} · not watched`, alerts]);
  const ev = i.evaluation;
  if (ev === undefined) return tail([`⚪ ${name} · watched, no evaluation yet`, alerts]);
  const age = i.now - Date.parse(ev.at);
  if (age > STALE_INTERVALS * i.intervalSeconds * 1000) return tail([`⚪ ${name} · no evaluation for ${minutes(age)} min`, alerts]);
  if (ev.signals.length === 0) {
    return tail([`⚪ ${name} · Prometheus gave nothing to read${ev.missing[0] === undefined ? '' : ` (${esc(ev.missing[0])})`}`, alerts]);
  }
  const w = i.state?.warning;
  const up = ev.members.filter((m) => m.up).length;
  const db = ev.db[0];
  // Worst first: alerts firing or a member down, then an open warning, then a cause arriving.
  const icon = i.openAlerts > 0 || up < ev.members.length ? '🔴' : w !== undefined ? '🟠' : ev.suspects.length > 0 ? '🟡' : '🟢';
  return tail([
    `${icon} ${name}`,
    w !== undefined ? `⚠️ warning since ${hhmm(w.since)}: ${esc(w.current[0]?.summary ?? w.causes[0]?.summary ?? 'degradation')}` : undefined,
    w === undefined && ev.suspects.length > 0 ? `arriving: ${esc(ev.suspects[0]!.summary)}` : undefined,
    `leader ${ev.leader === null ? '*none*' : esc(ev.leader)}`,
    `${up}/${ev.members.length} up`,
    ev.slowest === null ? undefined : `slowest ${esc(describeSignal(ev.slowest))}`,
    db === undefined ? undefined : `db ${formatBytes(db.sizeBytes)} of ${formatBytes(db.quotaBytes)} (${Math.round((db.sizeBytes / Math.max(1, db.quotaBytes)) * 100)}%) on ${esc(db.member)}`,
    alerts,
  ]);
}
