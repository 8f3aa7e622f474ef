/**
 * The lab's command line. Run through deploy/lab/lab.sh (or `npx tsx deploy/lab/lab.ts`):
 *   up [--mode zap|default] [--fresh] [--webhook-url URL] [--max-request-bytes N]
 *   down | status
 *   load [--duration S]                       light steady traffic in the background
 *   fault <disk|network|expensive|capacity|cpu|none> [--member follower|leader|etcd-N] [--duration S] [...]
 *   record <scenario> --fault KIND [...]      fresh lab → baseline → fault → fixture in test/fixtures/<scenario>
 *   signals --prometheus URL --start T --end T --fault-start T   print the measured signal table
 */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { repoRoot, labLayout, labSourceDir, say, type EtcdMode, type LabLayout } from './lib/layout.js';
import { up, down, status, etcdArgs } from './lib/stack.js';
import { isRunning, startDaemon, sleep } from './lib/procs.js';
import { clusterStatus } from './lib/etcd-api.js';
import { DEFAULTS, EXPENSIVE_PREFIX, FAULT_KINDS, resolveMember, type FaultKind, type FaultParams } from './lib/faults.js';
import { seedLargeValues } from './lib/load.js';
import { exportFixture, logOffsets } from './lib/recorder.js';
import { printSignals } from './lib/signals.js';

const l = labLayout();
const worker = (): { command: string; args: string[] } => ({ command: process.execPath, args: ['--import', 'tsx', join(labSourceDir, 'worker.ts')] });

function startLoad(lab: LabLayout, durationS: number): void {
  const w = worker();
  startDaemon(lab.runDir, { name: 'load', ...w, args: [...w.args, 'load', '--duration', String(durationS)], outFile: join(lab.logDir, 'load.log'), cwd: repoRoot });
}

interface FaultCli {
  member: string; duration: string; fsyncDelayUs?: string; delayMs?: string; jitterMs?: string; lossPct?: string;
  cpuMode?: 'stress' | 'stop'; cpuNice?: string; clients?: string; writers?: string; valueBytes?: string;
}

async function faultParams(lab: LabLayout, kind: FaultKind, o: FaultCli): Promise<{ params: FaultParams; role?: string; memberId?: string }> {
  const n = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const params: FaultParams = {
    kind,
    durationS: Number(o.duration),
    fsyncDelayUs: n(o.fsyncDelayUs), delayMs: n(o.delayMs), jitterMs: n(o.jitterMs), lossPct: n(o.lossPct),
    cpuMode: o.cpuMode, cpuNice: n(o.cpuNice), clients: n(o.clients), writers: n(o.writers), valueBytes: n(o.valueBytes),
  };
  if (!Number.isFinite(params.durationS) || params.durationS <= 0) throw new Error('--duration must be a positive number of seconds');
  // Record the values actually used, not just what was typed, so a fixture says exactly what was done.
  if (kind === 'disk') params.fsyncDelayUs ??= DEFAULTS.disk.fsyncDelayUs;
  if (kind === 'network') { params.delayMs ??= DEFAULTS.network.delayMs; params.jitterMs ??= DEFAULTS.network.jitterMs; params.lossPct ??= DEFAULTS.network.lossPct; }
  if (kind === 'cpu') { params.cpuMode ??= DEFAULTS.cpu.cpuMode; if (params.cpuMode === 'stress') { params.cpuHogs ??= DEFAULTS.cpu.cpuHogs; params.cpuNice ??= DEFAULTS.cpu.cpuNice; } }
  if (kind === 'expensive') params.clients ??= DEFAULTS.expensive.clients;
  if (kind === 'capacity') { params.writers ??= DEFAULTS.capacity.writers; params.valueBytes ??= DEFAULTS.capacity.valueBytes; }
  for (const k of Object.keys(params) as (keyof FaultParams)[]) if (params[k] === undefined) delete params[k];
  if (kind === 'disk' || kind === 'network' || kind === 'cpu') {
    const m = await resolveMember(lab, o.member);
    params.member = m.name;
    return { params, role: m.role, memberId: m.id };
  }
  return { params };
}

function startFault(lab: LabLayout, params: FaultParams): number {
  if (isRunning(lab.runDir, 'fault') !== undefined) throw new Error('a fault is already running; wait for it or run `lab down`');
  const w = worker();
  return startDaemon(lab.runDir, { name: 'fault', ...w, args: [...w.args, 'fault', '--params', JSON.stringify(params)], outFile: join(lab.logDir, 'fault.log'), cwd: repoRoot });
}

async function waitFaultEnd(lab: LabLayout, expectS: number): Promise<void> {
  const t0 = Date.now();
  while (isRunning(lab.runDir, 'fault') !== undefined) {
    await sleep(1000);
    const el = Math.round((Date.now() - t0) / 1000);
    if (el % 15 === 0) say(`fault running: ${el}/${expectS}s`);
  }
}

function addFaultOptions(c: Command): Command {
  return c
    .option('--member <who>', 'follower, leader or etcd-N (disk, network, cpu)', 'follower')
    .option('--duration <s>', 'how long the fault lasts, seconds', '210')
    .option('--fsync-delay-us <us>', `disk: fdatasync delay (default ${DEFAULTS.disk.fsyncDelayUs})`)
    .option('--delay-ms <ms>', `network: added delay each way (default ${DEFAULTS.network.delayMs})`)
    .option('--jitter-ms <ms>', `network: uniform jitter on top (default ${DEFAULTS.network.jitterMs})`)
    .option('--loss-pct <pct>', 'network: share of chunks held for a retransmission timeout')
    .addOption(new Option('--cpu-mode <mode>', 'cpu: stress (pinned stress-ng) or stop (SIGSTOP/SIGCONT)').choices(['stress', 'stop']))
    .option('--cpu-nice <n>', `cpu: nice of the starved member while hogs run (default ${DEFAULTS.cpu.cpuNice})`)
    .option('--clients <n>', `expensive: concurrent ranging clients (default ${DEFAULTS.expensive.clients})`)
    .option('--writers <n>', `capacity: concurrent writers (default ${DEFAULTS.capacity.writers})`)
    .option('--value-bytes <n>', `capacity: value size (default ${DEFAULTS.capacity.valueBytes})`);
}

const program = new Command('lab').description('local etcd lab: 3 members, Prometheus, Alertmanager, Redis, fault injection');

program.command('up')
  .addOption(new Option('--mode <mode>', 'zap: JSON logs + extensive metrics; default: etcd default flags').choices(['zap', 'default']).default('zap'))
  .option('--fresh', 'stop everything and start from empty data and logs', false)
  .option('--webhook-url <url>', 'where Alertmanager posts (default http://127.0.0.1:<LAB_BOT_PORT>/alertmanager)')
  .option('--max-request-bytes <n>', 'etcd --max-request-bytes')
  .action(async (o: { mode: EtcdMode; fresh: boolean; webhookUrl?: string; maxRequestBytes?: string }) => {
    await up(l, { mode: o.mode, fresh: o.fresh, webhookUrl: o.webhookUrl, extraEtcdFlags: o.maxRequestBytes ? [`--max-request-bytes=${o.maxRequestBytes}`] : [] });
  });

program.command('down').action(async () => { await down(l); });

program.command('status').action(async () => {
  for (const s of status(l)) console.log(`${s.name.padEnd(18)} ${s.pid !== undefined ? `running, pid ${s.pid}` : 'not running (stale pid file)'}`);
  try {
    for (const m of await clusterStatus(l)) console.log(`${m.name}: id ${m.id}${m.isLeader ? ' LEADER' : ''} raftIndex ${m.raftIndex} db ${m.dbSize} bytes`);
  } catch (err) {
    console.log(`etcd not reachable: ${(err as Error).message}`);
  }
});

program.command('load').option('--duration <s>', 'seconds', '3600').action((o: { duration: string }) => { startLoad(l, Number(o.duration)); });

addFaultOptions(program.command('fault').argument('<kind>', FAULT_KINDS.join('|')))
  .option('--wait', 'stay in the foreground until the fault ends', false)
  .action(async (kind: string, o: FaultCli & { wait: boolean }) => {
    if (!FAULT_KINDS.includes(kind as FaultKind)) throw new Error(`unknown fault ${kind}; choose ${FAULT_KINDS.join(', ')}`);
    if (kind === 'expensive') await ensureSeeded(l);
    const { params } = await faultParams(l, kind as FaultKind, o);
    startFault(l, params);
    if (o.wait) await waitFaultEnd(l, params.durationS);
  });

async function ensureSeeded(lab: LabLayout): Promise<void> {
  const { rangePrefix } = await import('./lib/etcd-api.js');
  const have = await rangePrefix(lab.members[0]!, EXPENSIVE_PREFIX, { countOnly: true });
  if (have >= DEFAULTS.expensive.seedCount) return;
  say(`seeding ${DEFAULTS.expensive.seedCount} values of ${DEFAULTS.expensive.seedBytes} bytes under ${EXPENSIVE_PREFIX}`);
  await seedLargeValues(lab, EXPENSIVE_PREFIX, DEFAULTS.expensive.seedCount, DEFAULTS.expensive.seedBytes, say);
}

addFaultOptions(program.command('record').argument('<scenario>', 'fixture name, e.g. disk-slow-follower'))
  .requiredOption('--fault <kind>', FAULT_KINDS.join('|'))
  .addOption(new Option('--mode <mode>').choices(['zap', 'default']).default('zap'))
  .option('--baseline <s>', 'healthy seconds recorded before the fault', '90')
  .option('--out <dir>', 'fixture directory (default test/fixtures/<scenario>)')
  .option('--description <text>', 'one line saying what the scenario shows', '')
  .option('--keep-up', 'leave the lab running afterwards', false)
  .action(async (name: string, o: FaultCli & { fault: string; mode: EtcdMode; baseline: string; out?: string; description: string; keepUp: boolean }) => {
    const kind = o.fault as FaultKind;
    if (!FAULT_KINDS.includes(kind)) throw new Error(`unknown fault ${kind}`);
    const extra = kind === 'expensive' ? ['--max-request-bytes=2097152'] : [];
    await up(l, { mode: o.mode, fresh: true, extraEtcdFlags: extra });
    try {
      startLoad(l, 3600);
      if (kind === 'expensive') await ensureSeeded(l);
      say('warming up 15 s so rate windows have data');
      await sleep(15_000);
      const startMs = Date.now();
      const offsets = logOffsets(l);
      const before = await clusterStatus(l);
      say(`recording baseline for ${o.baseline}s`);
      await sleep(Number(o.baseline) * 1000);
      const { params, role, memberId } = await faultParams(l, kind, o);
      const atFault = await clusterStatus(l);
      const faultStartMs = Date.now();
      startFault(l, params);
      await waitFaultEnd(l, params.durationS);
      const faultEndMs = Date.now();
      await sleep(5000);
      const endMs = Date.now();
      const after = await clusterStatus(l).catch(() => []);
      say('waiting 15 s for Alertmanager to deliver the last notifications');
      await sleep(15_000);
      const leaderOf = (st: { name: string; isLeader: boolean }[]): string | undefined => st.find((s) => s.isLeader)?.name;
      await exportFixture(l, {
        outDir: o.out ?? join(repoRoot, 'test', 'fixtures', name),
        startMs, endMs, offsets,
        scenario: {
          name,
          description: o.description,
          fault: {
            kind,
            member: params.member ?? null,
            memberId: memberId ?? null,
            role: role ?? null,
            params,
            start: new Date(faultStartMs).toISOString(),
            end: new Date(faultEndMs).toISOString(),
          },
          recording: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() },
          etcd: {
            version: before[0]?.version ?? 'unknown',
            mode: o.mode,
            flags: etcdArgs(l, l.members[0]!, o.mode, extra).map((f) => f.replace(l.stateDir, '<lab>').replace(/etcd-1/g, 'etcd-N')),
          },
          members: atFault.map((s) => ({ name: s.name, id: s.id, roleAtFaultStart: s.isLeader ? 'leader' : 'follower' })),
          leader: { atStart: leaderOf(before) ?? null, atFaultStart: leaderOf(atFault) ?? null, atEnd: leaderOf(after) ?? null },
          prometheus: { scrapeIntervalSeconds: 1, etcdJob: 'etcd', nodeJob: 'node', memberLabel: 'instance', nodeInstance: 'lab-host' },
          traffic: 'light: 20 puts/s and 10 linearizable reads/s spread over the three members, during the whole recording',
        },
      });
      say(`fixture written`);
    } finally {
      if (!o.keepUp) await down(l);
    }
  });

program.command('signals')
  .description('print the signal table of a scenario from a Prometheus holding it (live lab or a loaded fixture)')
  .option('--prometheus <url>', 'Prometheus base URL', l.prometheusUrl)
  .requiredOption('--fault-start <iso>', 'fault start')
  .requiredOption('--fault-end <iso>', 'fault end')
  .option('--baseline-start <iso>', 'baseline start (default: 90 s before the fault)')
  .option('--member <name>', 'faulted member to single out')
  .action(async (o: { prometheus: string; faultStart: string; faultEnd: string; baselineStart?: string; member?: string }) => {
    await printSignals(o);
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`[lab] FAILED: ${(err as Error).message}\n`);
  process.exit(1);
});
