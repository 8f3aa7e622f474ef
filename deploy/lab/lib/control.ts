import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSourceDir, repoRoot, type LabLayout } from './layout.js';
import { isRunning, sleep, startDaemon } from './procs.js';
import { DEFAULTS, EXPENSIVE_PREFIX, resolveMember, type FaultKind, type FaultParams } from './faults.js';
import { rangePrefix } from './etcd-api.js';
import { seedLargeValues } from './load.js';
import { say } from './layout.js';

/** Starting the lab's background jobs (light load, one fault) as pid-tracked worker processes. */

const worker = (): { command: string; args: string[] } => ({ command: process.execPath, args: ['--import', 'tsx', join(labSourceDir, 'worker.ts')] });

export function startLoad(lab: LabLayout, durationS: number, rates: { writesPerSec?: number; readsPerSec?: number } = {}): number {
  const w = worker();
  const extra = [
    ...(rates.writesPerSec !== undefined ? ['--writes-per-sec', String(rates.writesPerSec)] : []),
    ...(rates.readsPerSec !== undefined ? ['--reads-per-sec', String(rates.readsPerSec)] : []),
  ];
  return startDaemon(lab.runDir, { name: 'load', ...w, args: [...w.args, 'load', '--duration', String(durationS), ...extra], outFile: join(lab.logDir, 'load.log'), cwd: repoRoot });
}

export interface ResolvedFault { params: FaultParams; role?: 'leader' | 'follower'; memberId?: string }

/** Fills in defaults (so what is recorded is what was done) and resolves follower/leader to a member. */
export async function resolveFault(lab: LabLayout, kind: FaultKind, partial: Omit<Partial<FaultParams>, 'kind' | 'member'> & { durationS: number }, who = 'follower'): Promise<ResolvedFault> {
  const params: FaultParams = { ...partial, kind };
  for (const k of Object.keys(params) as (keyof FaultParams)[]) if (params[k] === undefined) delete params[k];
  if (!Number.isFinite(params.durationS) || params.durationS <= 0) throw new Error('--duration must be a positive number of seconds');
  if (kind === 'disk') params.fsyncDelayUs ??= DEFAULTS.disk.fsyncDelayUs;
  if (kind === 'network') { params.delayMs ??= DEFAULTS.network.delayMs; params.jitterMs ??= DEFAULTS.network.jitterMs; params.lossPct ??= DEFAULTS.network.lossPct; }
  if (kind === 'cpu') { params.cpuMode ??= DEFAULTS.cpu.cpuMode; if (params.cpuMode === 'stress') { params.cpuHogs ??= DEFAULTS.cpu.cpuHogs; params.cpuNice ??= DEFAULTS.cpu.cpuNice; } }
  if (kind === 'expensive') params.clients ??= DEFAULTS.expensive.clients;
  if (kind === 'capacity') { params.writers ??= DEFAULTS.capacity.writers; params.valueBytes ??= DEFAULTS.capacity.valueBytes; }
  if (kind === 'disk' || kind === 'network' || kind === 'cpu') {
    const m = await resolveMember(lab, who);
    params.member = m.name;
    return { params, role: m.role, memberId: m.id };
  }
  return { params };
}

/** Starts the fault worker and writes .lab/conf/fault.json (what was injected where, and when). */
export function startFault(lab: LabLayout, f: ResolvedFault): number {
  if (isRunning(lab.runDir, 'fault') !== undefined) throw new Error('a fault is already running; wait for it or run `lab down`');
  const w = worker();
  const pid = startDaemon(lab.runDir, { name: 'fault', ...w, args: [...w.args, 'fault', '--params', JSON.stringify(f.params)], outFile: join(lab.logDir, 'fault.log'), cwd: repoRoot });
  writeFileSync(join(lab.confDir, 'fault.json'), JSON.stringify({ ...f.params, role: f.role ?? null, memberId: f.memberId ?? null, start: new Date().toISOString() }, null, 2));
  return pid;
}

export async function waitFaultEnd(lab: LabLayout, expectS: number): Promise<void> {
  const t0 = Date.now();
  while (isRunning(lab.runDir, 'fault') !== undefined) {
    await sleep(1000);
    const el = Math.round((Date.now() - t0) / 1000);
    if (el % 15 === 0) say(`fault running: ${el}/${expectS}s`);
  }
}

/** The expensive-request scenario's data set: 200 values of 1 MiB under /lab/big/ (skipped when present). */
export async function ensureSeeded(lab: LabLayout): Promise<void> {
  const have = await rangePrefix(lab.members[0]!, EXPENSIVE_PREFIX, { countOnly: true });
  if (have >= DEFAULTS.expensive.seedCount) return;
  say(`seeding ${DEFAULTS.expensive.seedCount} values of ${DEFAULTS.expensive.seedBytes} bytes under ${EXPENSIVE_PREFIX}`);
  await seedLargeValues(lab, EXPENSIVE_PREFIX, DEFAULTS.expensive.seedCount, DEFAULTS.expensive.seedBytes, say);
}
