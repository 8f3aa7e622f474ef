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
import { readFileSync } from 'node:fs';
import { visibleCheck, waitVisible } from './lib/visible.js';
import { repoRoot, labLayout, say, type EtcdMode, type LabLayout } from './lib/layout.js';
import { up, down, status, etcdArgs } from './lib/stack.js';
import { sleep } from './lib/procs.js';
import { ensureSeeded, resolveFault, startFault, startLoad, waitFaultEnd, type ResolvedFault } from './lib/control.js';
import { clusterStatus } from './lib/etcd-api.js';
import { DEFAULTS, FAULT_KINDS, type FaultKind, type FaultParams } from './lib/faults.js';
import { exportFixture, logOffsets } from './lib/recorder.js';
import { printSignals } from './lib/signals.js';
import { leaveFragmented } from './lib/fragment.js';

const l = labLayout();
interface FaultCli {
  member: string; duration: string; fsyncDelayUs?: string; delayMs?: string; jitterMs?: string; lossPct?: string;
  cpuMode?: 'stress' | 'stop'; cpuNice?: string; clients?: string; writers?: string; valueBytes?: string;
}

function faultParams(lab: LabLayout, kind: FaultKind, o: FaultCli): Promise<ResolvedFault> {
  const n = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  return resolveFault(lab, kind, {
    durationS: Number(o.duration),
    fsyncDelayUs: n(o.fsyncDelayUs), delayMs: n(o.delayMs), jitterMs: n(o.jitterMs), lossPct: n(o.lossPct),
    cpuMode: o.cpuMode, cpuNice: n(o.cpuNice), clients: n(o.clients), writers: n(o.writers), valueBytes: n(o.valueBytes),
  }, o.member);
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
    const f = await faultParams(l, kind as FaultKind, o);
    startFault(l, f);
    const { params, role, memberId } = f;
    console.log(JSON.stringify({ kind, member: params.member ?? null, role: role ?? null, memberId: memberId ?? null }));
    if (o.wait) await waitFaultEnd(l, params.durationS);
  });

addFaultOptions(program.command('record').argument('<scenario>', 'fixture name, e.g. disk-slow-follower'))
  .requiredOption('--fault <kind>', FAULT_KINDS.join('|'))
  .addOption(new Option('--mode <mode>').choices(['zap', 'default']).default('zap'))
  .option('--baseline <s>', 'healthy seconds recorded before the fault', '90')
  .option('--out <dir>', 'fixture directory (default test/fixtures/<scenario>)')
  .option('--description <text>', 'one line saying what the scenario shows', '')
  .option('--keep-up', 'leave the lab running afterwards', false)
  .addOption(new Option('--with <kind>', 'a second fault at the same time, cluster-wide (two causes at once)').choices(['expensive', 'capacity']))
  .option('--fragment <member>', 'before the baseline: write, delete and compact a burst of large keys, then defragment every member but this one')
  .option('--load-writes <n>', 'puts per second of the steady traffic (default 20)')
  .option('--load-reads <n>', 'linearizable reads per second of the steady traffic (default 10)')
  .action(async (name: string, o: FaultCli & { fault: string; mode: EtcdMode; baseline: string; out?: string; description: string; keepUp: boolean; with?: FaultKind; fragment?: string; loadWrites?: string; loadReads?: string }) => {
    const kind = o.fault as FaultKind;
    if (!FAULT_KINDS.includes(kind)) throw new Error(`unknown fault ${kind}`);
    const extra = kind === 'expensive' || o.with === 'expensive' ? ['--max-request-bytes=2097152'] : [];
    await up(l, { mode: o.mode, fresh: true, extraEtcdFlags: extra });
    try {
      const rates = { writesPerSec: o.loadWrites ? Number(o.loadWrites) : 20, readsPerSec: o.loadReads ? Number(o.loadReads) : 10 };
      const fragmented = o.fragment ? await leaveFragmented(l, o.fragment) : undefined;
      startLoad(l, 3600, rates);
      if (kind === 'expensive' || o.with === 'expensive') await ensureSeeded(l);
      say('warming up 15 s so rate windows have data');
      await sleep(15_000);
      const startMs = Date.now();
      const offsets = logOffsets(l);
      const before = await clusterStatus(l);
      say(`recording baseline for ${o.baseline}s`);
      await sleep(Number(o.baseline) * 1000);
      const f = await faultParams(l, kind, o);
      if (o.with) f.params.also = (await resolveFault(l, o.with, { durationS: f.params.durationS })).params;
      const { params, role, memberId } = f;
      const atFault = await clusterStatus(l);
      const faultStartMs = Date.now();
      startFault(l, f);
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
          traffic: `${rates.writesPerSec === 20 && rates.readsPerSec === 10 ? 'light' : 'steady'}: ${rates.writesPerSec} puts/s and ${rates.readsPerSec} linearizable reads/s spread over the three members, during the whole recording`,
          ...(fragmented ? { preparation: { fragmented: fragmented.member, dbSizeBytesAtStart: fragmented.dbSizeBytes } } : {}),
        },
      });
      say(`fixture written`);
    } finally {
      if (!o.keepUp) await down(l);
    }
  });

program.command('wait-visible')
  .description('wait until the fault started by `lab fault` shows in Prometheus')
  .option('--timeout <s>', 'give up after this many seconds', '180')
  .action(async (o: { timeout: string }) => {
    const f = JSON.parse(readFileSync(join(l.confDir, 'fault.json'), 'utf8')) as FaultParams & { memberId: string | null };
    await waitVisible(l.prometheusUrl, visibleCheck(f.kind, f.member, f.memberId ?? undefined), Number(o.timeout));
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
