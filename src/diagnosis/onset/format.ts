import { formatBytes, formatSeconds } from '../../text/units.js';
import type { OnsetSignal } from './types.js';

/** Short names people read, per signal id. */
export const SIGNAL_TITLES: Record<string, string> = {
  wal_fsync_p99: 'WAL fsync p99',
  wal_fsync_mean: 'WAL fsync mean',
  backend_commit_p99: 'commit p99',
  peer_rtt_p99: 'peer RTT p99',
  peer_send_failures: 'failed peer sends',
  scrape_gaps: 'failed scrapes',
  node_cpu_pressure: 'node CPU pressure',
  client_bytes_sent: 'sent to clients',
  write_rate: 'keys written',
  wal_bytes: 'WAL written',
  apply_backlog: 'apply backlog',
  pending_proposals: 'pending proposals',
  leader_changes: 'leader changes',
  no_leader: 'without leader',
  failed_proposals: 'failed proposals',
};

/** A number in the signal's unit: "48 ms", "21 MiB/s", "1,200/s", "47%". */
export function formatAmount(value: number, s: Pick<OnsetSignal, 'id' | 'unit'>): string {
  switch (s.unit) {
    case 's':
      return formatSeconds(value);
    case 'bytes':
      return formatBytes(value);
    case 'ratio':
      return `${Math.round(value * 100)}%`;
    case 'per_s':
      return s.id.includes('bytes') ? `${formatBytes(value)}/s` : `${Math.round(value).toLocaleString('en-US')}/s`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
  }
}

/**
 * The value as far as it is known: "≥ 512 ms" for a bound, "8–16 ms" for a quantile inside the bucket
 * that holds the line (no breach, and no measurement either), the number otherwise.
 */
export function formatSignalValue(s: OnsetSignal): string {
  if (s.bound) return `≥ ${formatAmount(s.value, s)}`;
  const r = s.range;
  if (r && r.high !== null && r.low < s.guideline && r.high > s.guideline) {
    if (r.low === 0) return `≤ ${formatAmount(r.high, s)}`;
    const [low, high] = [formatAmount(r.low, s), formatAmount(r.high, s)];
    // "25.6–51.2 ms", and "512 ms–1.02 s" when the unit changes between the edges.
    const unitOf = (x: string): string => x.slice(x.indexOf(' '));
    return unitOf(low) === unitOf(high) ? `${low.slice(0, low.indexOf(' '))}–${high}` : `${low}–${high}`;
  }
  return formatAmount(s.value, s);
}

/** "WAL fsync p99 ≥ 512 ms on etcd-2 (guideline 10 ms)". */
export function describeSignal(s: OnsetSignal, opts: { member?: boolean } = {}): string {
  const where = s.peer !== undefined ? ` ${s.member ?? '?'}→${s.peer}` : opts.member !== false && s.member ? ` on ${s.member}` : '';
  return `${SIGNAL_TITLES[s.id] ?? s.id} ${formatSignalValue(s)}${where} (guideline ${formatAmount(s.guideline, s)})`;
}
