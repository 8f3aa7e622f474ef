import type { Guidelines } from './guidelines.js';
import { describeSignal, formatSignalValue } from './format.js';
import { overBy } from './signals.js';
import type { OnsetKind, OnsetSignal, OnsetSuspect } from './types.js';

/**
 * From graded signals to the causes arriving now, on which member. The rules are the playbooks' causes
 * (disk, network, resources, expensive, capacity, consensus) read at the onset:
 * - a member's fsyncs are slow when the p99 is past its line on the bucket edges AND the mean is past
 *   the same line: a short window's p99 rides on a handful of fsyncs, the mean on all of them, and a
 *   mean over the p99 guideline is a breach no interpolation can invent;
 * - CPU, not disk, when the member misses scrapes on a busy node (resources/cpu-starved), when its
 *   commits are far over the line while the round trips toward it rise (resources/cpu-contention), or
 *   when its fsyncs, slow for a whole window already, are a few stalls rather than all slow (the mean
 *   far below the p99, disk/wal_fsync_all_slow) on a node whose CPU pressure is past its line;
 * - network on the one member found in every slow member→peer pair (network/slow-network, localise:
 *   pairs); a slowdown on every pair names no member and is no suspect;
 * - expensive reads and write floods by their volume; as in the playbooks they explain slow disks, CPUs
 *   and links seen on several members at once (one member's slow disk stands on its own);
 * - leader changes, moments without a leader, failed proposals and an apply backlog are effects: a
 *   suspect only when nothing else explains them.
 */
export function findSuspects(signals: OnsetSignal[], guidelines: Guidelines, members: string[], measured: (s: OnsetSignal) => number): OnsetSuspect[] {
  const get = (id: string, member: string | null): OnsetSignal | undefined => signals.find((s) => s.id === id && s.member === member && s.peer === undefined);
  const breached = (id: string, member: string | null): OnsetSignal | undefined => {
    const s = get(id, member);
    return s?.breached ? s : undefined;
  };
  const nodeBusy = signals.find((s) => s.id === 'node_cpu_pressure' && s.breached);
  const allSlowLine = guidelines.wal_fsync_all_slow?.thresholds.warning;
  const inflatedLine = guidelines.latency_inflated?.thresholds.warning;

  const network = localisePairs(signals.filter((s) => (s.id === 'peer_rtt_p99' || s.id === 'peer_send_failures') && s.breached));

  const candidates: Candidate[] = [];
  for (const m of members) {
    const fsync = breached('wal_fsync_p99', m);
    const mean = breached('wal_fsync_mean', m);
    const commit = get('backend_commit_p99', m);
    const slowFsyncs: [OnsetSignal, OnsetSignal] | undefined = fsync && mean ? [fsync, mean] : undefined;
    const gaps = breached('scrape_gaps', m);
    const inflated = commit?.range && inflatedLine !== undefined && commit.range.low >= inflatedLine ? commit : undefined;

    // resources/cpu-starved: a member too starved to answer its scrapes, on a busy node (or one with
    // slow fsyncs of its own where node pressure cannot be read).
    if (gaps && (nodeBusy || slowFsyncs)) {
      candidates.push(cpu(m, [gaps, ...(nodeBusy ? [nodeBusy] : []), ...(slowFsyncs ?? [])], `${m} is missing ${formatSignalValue(gaps)} of its scrapes${nodeBusy ? ` on a node at ${formatSignalValue(nodeBusy)} CPU pressure` : ''}`));
      continue;
    }
    // The shape of the fsyncs (disk/wal_fsync_all_slow) says device or CPU only once the window holds
    // nothing but the fault: when the window before it was slow already.
    const settled = breached('wal_fsync_p99_before', m) !== undefined && breached('wal_fsync_mean_before', m) !== undefined;
    const shape = slowFsyncs && settled && allSlowLine !== undefined ? (slowFsyncs[1].value / measured(slowFsyncs[0]) >= allSlowLine ? 'device' : 'stalls') : undefined;
    // resources/cpu-contention: commits far over the line and the round trips toward the member rising,
    // unless every fsync is slow (then the device explains both).
    if (inflated && network?.member === m && shape !== 'device') {
      candidates.push(cpu(m, [inflated, ...network.signals], `commit p99 ${formatSignalValue(inflated)} on ${m} and peer round trips toward it rising: CPU contention`));
      continue;
    }
    if (!slowFsyncs) continue;
    const [p99, avg] = slowFsyncs;
    if (shape === 'stalls' && nodeBusy) {
      candidates.push(cpu(m, [p99, avg, nodeBusy], `fsync stalls on ${m} (p99 ${formatSignalValue(p99)}, mean ${formatSignalValue(avg)}) on a node at ${formatSignalValue(nodeBusy)} CPU pressure: CPU starvation`));
      continue;
    }
    const support = commit?.breached ? [commit] : [];
    const summary = `${describeSignal(p99)}, mean ${formatSignalValue(avg)}`;
    if (shape === undefined) {
      candidates.push({ kind: 'disk', member: m, signals: [p99, avg, ...support], summary: `${summary}; disk or CPU not told apart yet`, tentative: true });
    } else {
      candidates.push({ kind: 'disk', member: m, signals: [p99, avg, ...support], summary });
    }
  }
  if (network) {
    // Round trips toward a starved member rise because it answers late: its CPU's effect, and evidence for it.
    const starved = candidates.find((c) => c.kind === 'cpu' && c.member === network.member);
    if (starved) starved.signals.push(...network.signals.filter((p) => !starved.signals.includes(p)));
    else candidates.push({ kind: 'network', member: network.member, signals: network.signals, summary: network.summary });
  }

  const load: Candidate[] = [];
  const volume = (kind: OnsetKind, ids: string[], what: (top: OnsetSignal) => string): void => {
    const hits = signals.filter((s) => ids.includes(s.id) && s.breached);
    if (hits.length === 0) return;
    const onMembers = new Set(hits.map((h) => h.member));
    const top = [...hits].sort((a, b) => overBy(b) - overBy(a))[0]!;
    load.push({ kind, member: onMembers.size === 1 ? top.member : null, signals: hits, summary: what(top) });
  };
  volume('expensive', ['client_bytes_sent'], (top) => `expensive reads: ${describeSignal(top)}`);
  volume('capacity', ['write_rate', 'wal_bytes'], (top) => `write flood: ${describeSignal(top)}`);

  let found = [...load, ...candidates];
  if (load.length > 0) {
    // A heavy load slows every member's CPU and links (network and resources defer to it), and every
    // member's disk alike: only a disk slow on one member alone stands as a cause of its own.
    const disks = candidates.filter((c) => c.kind === 'disk');
    found = [...load, ...(disks.length === 1 ? disks : [])];
  }
  if (found.length === 0) found = effects(signals);
  // A flood of reads or writes comes first: it inflates every other timing, and it is what clients feel.
  const isLoad = (c: Candidate): number => (load.includes(c) ? 1 : 0);
  return found
    .map((c) => ({ c, score: score(c.signals) }))
    .sort((a, b) => isLoad(b.c) - isLoad(a.c) || b.score - a.score)
    .map(({ c }) => ({ kind: c.kind, member: c.member, signals: [...new Set(c.signals.map((s) => s.id))], summary: c.summary, ...(c.tentative ? { tentative: true } : {}) }));
}

interface Candidate {
  kind: OnsetKind;
  member: string | null;
  signals: OnsetSignal[];
  summary: string;
  tentative?: true;
}

const cpu = (member: string, signals: OnsetSignal[], summary: string): Candidate => ({ kind: 'cpu', member, signals, summary });

/**
 * The member found in every breached member→peer pair, when there is exactly one (two pairs or more:
 * with one pair, both ends are in it).
 */
function localisePairs(pairs: OnsetSignal[]): { member: string; signals: OnsetSignal[]; summary: string } | undefined {
  const ends = pairs.filter((p) => p.member !== null && p.peer !== undefined).map((p) => [p.member!, p.peer!]);
  if (ends.length === 0) return undefined;
  const inAll = [...new Set(ends.flat())].filter((m) => ends.every((e) => e.includes(m)));
  const failures = pairs.filter((p) => p.id === 'peer_send_failures');
  // Failed sends name the peer that cannot be reached, even from one member alone.
  const member = inAll.length === 1 ? inAll[0]! : failures.length > 0 && new Set(failures.map((f) => f.peer)).size === 1 ? failures[0]!.peer! : undefined;
  if (member === undefined) return undefined;
  const toward = pairs.filter((p) => p.peer === member);
  const worst = [...pairs].sort((a, b) => overBy(b) - overBy(a))[0]!;
  const from = toward.length > 0 ? `toward ${member} from ${toward.map((p) => p.member).join(', ')}` : `from ${member}`;
  return { member, signals: pairs, summary: `slow links ${from}: ${describeSignal(worst)}` };
}

/** Leadership, proposals and backlog: effects whose cause is not (yet) in sight. */
function effects(signals: OnsetSignal[]): Candidate[] {
  const out: Candidate[] = [];
  const consensus = signals.filter((s) => ['leader_changes', 'no_leader', 'failed_proposals'].includes(s.id) && s.breached);
  if (consensus.length > 0) {
    const worst = [...consensus].sort((a, b) => overBy(b) - overBy(a))[0]!;
    out.push({ kind: 'consensus', member: null, signals: consensus, summary: `raft under strain: ${describeSignal(worst)}, cause not in sight yet` });
  }
  const backlog = signals.filter((s) => ['apply_backlog', 'pending_proposals'].includes(s.id) && s.breached);
  if (backlog.length > 0) {
    const members = new Set(backlog.map((b) => b.member));
    const worst = [...backlog].sort((a, b) => overBy(b) - overBy(a))[0]!;
    out.push({ kind: 'capacity', member: members.size === 1 ? worst.member : null, signals: backlog, summary: `applies falling behind: ${describeSignal(worst)}` });
  }
  return out;
}

/** The playbooks' ranking: each breached signal adds 1 at its line up to 4 at 8× over it. */
function score(signals: OnsetSignal[]): number {
  return signals.filter((s) => s.breached).reduce((sum, s) => sum + 1 + Math.min(3, Math.log2(Math.max(1, overBy(s)))), 0);
}
