import type { WatchEvaluation } from '../../diagnosis/onset/types.js';
import type { WatchState } from '../../incidents/watch/watch-transition.js';
import { esc } from '../slack-text.js';
import { statusDetail, statusParts } from '../status/status-lines.js';

/**
 * One Slack line per cluster for `/etcd status` and the Home tab, from what the watch last stored in
 * Redis: the line of `etcd-triage status` (status-lines.ts) when the evaluation is fresh, else why there
 * is none. Pure: the caller reads Redis (never Prometheus).
 */
export interface WatchStatusInput {
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

const minutes = (ms: number): number => Math.max(1, Math.round(ms / 60_000));

export function watchStatusLine(i: WatchStatusInput): string {
  const name = `*${esc(i.cluster)}*`;
  const alerts = i.openAlerts > 0 ? ` · ${i.openAlerts} incident${i.openAlerts === 1 ? '' : 's'} open` : '';
  if (!i.watched) return `⚪ ${name}  not watched${alerts}`;
  const ev = i.evaluation;
  if (ev === undefined) return `⚪ ${name}  watched, no evaluation yet${alerts}`;
  const age = i.now - Date.parse(ev.at);
  if (age > STALE_INTERVALS * i.intervalSeconds * 1000) return `⚪ ${name}  no evaluation for ${minutes(age)} min${alerts}`;
  const w = i.state?.warning;
  const p = statusParts({ ...ev, cluster: i.cluster }, { openIncidents: i.openAlerts, openWarnings: w === undefined ? 0 : 1 });
  const since = w === undefined ? '' : ` (warning since ${w.since.slice(11, 16)} UTC)`;
  // Cluster and member names come from config and Prometheus labels: escaped like any outside text.
  return `${p.icon} ${name}  ${esc(statusDetail(p))}${since}`;
}
