import type { CheckResult } from '../types.js';

/** etcd's defaults and hard limit (server/embed/config.go). */
const DEFAULT_HEARTBEAT_MS = 100;
const DEFAULT_ELECTION_MS = 1000;
const MAX_ELECTION_MS = 50_000;

export interface HeartbeatElection {
  rttMs: number;
  heartbeatMs: number;
  electionMs: number;
}

const ceilTo = (v: number, step: number): number => Math.ceil(v / step) * step;

/**
 * The tuning guide: heartbeat ≈ 0.5–1.5× the round-trip time between members, election timeout at least
 * 10× the RTT and at least 5× the heartbeat, at most 50 s, and the same values on every member. The
 * measured p99 RTT stands in for "the maximum of the average RTT"; never go below etcd's defaults.
 */
export function heartbeatElection(rttSeconds: number): HeartbeatElection {
  const rttMs = rttSeconds * 1000;
  const heartbeatMs = Math.max(DEFAULT_HEARTBEAT_MS, ceilTo(rttMs, 10));
  const electionMs = Math.min(MAX_ELECTION_MS, Math.max(DEFAULT_ELECTION_MS, ceilTo(10 * rttMs, 100), 5 * heartbeatMs));
  return { rttMs, heartbeatMs, electionMs };
}

/** The worst member→peer RTT p99 measured by the network playbook, in seconds. */
export function worstRtt(checks: CheckResult[]): number | undefined {
  const rtt = checks.find((c) => c.playbook === 'network' && c.check === 'peer_rtt_p99');
  const values = rtt?.values.map((v) => v.value).filter((v) => Number.isFinite(v)) ?? [];
  return values.length > 0 ? Math.max(...values) : undefined;
}

export function heartbeatElectionCommand(checks: CheckResult[]): { text: string; command: string } | undefined {
  const rtt = worstRtt(checks);
  if (rtt === undefined) return undefined;
  const t = heartbeatElection(rtt);
  return {
    text:
      `Measured peer RTT p99 ${Math.round(t.rttMs)} ms: set heartbeat ${t.heartbeatMs} ms and election timeout ${t.electionMs} ms ` +
      `(≥ 10× RTT, ≥ 5× heartbeat), identical on every member, restarting one member at a time. Fix the network first if the RTT is not normal for it.`,
    command: `etcd ... --heartbeat-interval=${t.heartbeatMs} --election-timeout=${t.electionMs}   # or ETCD_HEARTBEAT_INTERVAL=${t.heartbeatMs} ETCD_ELECTION_TIMEOUT=${t.electionMs}`,
  };
}
