import { labLayout, type LabLayout } from '../../deploy/lab/lib/layout.js';
import { up, down } from '../../deploy/lab/lib/stack.js';
import { ensureSeeded, resolveFault, startFault, startLoad } from '../../deploy/lab/lib/control.js';
import type { FaultKind, FaultParams } from '../../deploy/lab/lib/faults.js';
import { queryScalar, visibleCheck, waitVisible } from '../../deploy/lab/lib/visible.js';
import { repoRoot } from '../../deploy/lab/lib/layout.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Live lab scenarios for end-to-end tests: a fresh lab, light traffic, a short healthy baseline, one
 * fault, and a wait until Prometheus shows it; then the test body runs against the live lab; then
 * everything is torn down by pid, whatever happened.
 */

export interface LabScenario {
  layout: LabLayout;
  prometheusUrl: string;
  /** The lab's etcd-triage config (cluster "lab"). */
  configPath: string;
  fault: { kind: FaultKind; member?: string; role?: 'leader' | 'follower'; memberId?: string; params: FaultParams; start: Date };
  /** Seconds from injection until the fault's first signal crossed its threshold. */
  visibleAfterS: number;
  /** Instant query; first series' value, undefined when there is none. */
  query(promql: string): Promise<number | undefined>;
}

export interface LabScenarioOptions {
  /** Healthy seconds before the fault (default 20). */
  baselineS?: number;
  /** How long the fault lasts at most (default 240); the teardown stops it earlier. */
  faultDurationS?: number;
  /** Give up waiting for the signal after this many seconds (default 150). */
  visibleTimeoutS?: number;
  /** Which member: follower (default), leader or etcd-N. */
  member?: string;
  mode?: 'zap' | 'default';
  params?: Omit<Partial<FaultParams>, 'kind' | 'member' | 'durationS'>;
}

/**
 * The lab's etcd-triage config pointed at this lab: its log files live under the lab's state folder (the
 * test run's temporary folder, not the checkout's .lab/) and its Prometheus follows LAB_PORT_BASE.
 */
function labConfig(l: LabLayout): string {
  const text = readFileSync(join(repoRoot, 'deploy', 'lab', 'etcd-triage.lab.yaml'), 'utf8')
    .replaceAll('path: .lab/', `path: ${l.stateDir}/`)
    .replaceAll('http://127.0.0.1:32090', l.prometheusUrl);
  const file = join(l.confDir, 'etcd-triage.yaml');
  writeFileSync(file, text);
  return file;
}

export async function runLabScenario(kind: FaultKind, body: (lab: LabScenario) => Promise<void>, opts: LabScenarioOptions = {}): Promise<void> {
  const l = labLayout();
  try {
    await up(l, { mode: opts.mode ?? 'zap', fresh: true, extraEtcdFlags: kind === 'expensive' ? ['--max-request-bytes=2097152'] : [] });
    startLoad(l, 1800);
    if (kind === 'expensive') await ensureSeeded(l);
    await new Promise((r) => setTimeout(r, (opts.baselineS ?? 20) * 1000));
    const f = await resolveFault(l, kind, { ...opts.params, durationS: opts.faultDurationS ?? 240 }, opts.member ?? 'follower');
    const start = new Date();
    startFault(l, f);
    const visibleAfterS = await waitVisible(l.prometheusUrl, visibleCheck(kind, f.params.member, f.memberId), opts.visibleTimeoutS ?? 150);
    await body({
      layout: l,
      prometheusUrl: l.prometheusUrl,
      configPath: labConfig(l),
      fault: { kind, member: f.params.member, role: f.role, memberId: f.memberId, params: f.params, start },
      visibleAfterS,
      query: (q) => queryScalar(l.prometheusUrl, q),
    });
  } finally {
    await down(l);
  }
}
