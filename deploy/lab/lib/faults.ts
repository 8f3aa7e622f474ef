import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import type { LabLayout } from './layout.js';
import { memberByName, say } from './layout.js';
import { readPid } from './procs.js';
import { clusterStatus } from './etcd-api.js';
import { expensiveReads, writeFlood, killChildren, stopLoad, type LoadStats } from './load.js';

/**
 * Fault injectors. Each one is bounded by `durationS`, reverts what it changed when it ends or when
 * `abort()` is called (SIGTERM of the worker process), and targets one member (or, for the load
 * faults, the whole cluster).
 */

export type FaultKind = 'disk' | 'network' | 'expensive' | 'capacity' | 'cpu' | 'none';
export const FAULT_KINDS: FaultKind[] = ['disk', 'network', 'expensive', 'capacity', 'cpu', 'none'];

export interface FaultParams {
  kind: FaultKind;
  /** Member name (etcd-N) for disk, network and cpu. */
  member?: string;
  durationS: number;
  /** disk: fdatasync delay injected by strace, in microseconds. */
  fsyncDelayUs?: number;
  /** network: one-way delay added to every chunk of the member's peer traffic, with uniform jitter on top. */
  delayMs?: number;
  jitterMs?: number;
  lossPct?: number;
  /** cpu: "stress" pins the member to one core shared with stress-ng hogs; "stop" SIGSTOPs it periodically. */
  cpuMode?: 'stress' | 'stop';
  cpuHogs?: number;
  /** cpu: nice given to the member (and its autogroup) while the hogs run: 10 leaves it ~10% of the core against the hogs' autogroup (15 starves it so far that 1 s scrapes of it fail). */
  cpuNice?: number;
  /** expensive: concurrent clients ranging the large prefix. */
  clients?: number;
  /** capacity: concurrent writers and their value size. */
  writers?: number;
  valueBytes?: number;
  /** A second fault run at the same time (two causes at once), e.g. expensive reads on top of a slow disk. */
  also?: FaultParams;
}

export const EXPENSIVE_PREFIX = '/lab/big/';

export const DEFAULTS = {
  disk: { fsyncDelayUs: 1_200_000 },
  network: { delayMs: 150, jitterMs: 100, lossPct: 0 },
  cpu: { cpuMode: 'stress' as const, cpuHogs: 4, cpuNice: 10 },
  expensive: { clients: 4, seedCount: 200, seedBytes: 1024 * 1024 },
  capacity: { writers: 64, valueBytes: 1024, opsPerTxn: 64 },
};

/** Resolves "leader", "follower" or a member name to the member name, using etcd's own view. */
export async function resolveMember(l: LabLayout, want: string): Promise<{ name: string; role: 'leader' | 'follower'; id: string }> {
  const st = await clusterStatus(l);
  let pick = st.find((s) => s.name === want);
  if (want === 'leader') pick = st.find((s) => s.isLeader);
  // The last follower in name order: deterministic, and never the leader.
  if (want === 'follower') pick = [...st].reverse().find((s) => !s.isLeader);
  if (!pick) throw new Error(`cannot find member "${want}" (status: ${JSON.stringify(st.map((s) => [s.name, s.isLeader]))})`);
  return { name: pick.name, role: pick.isLeader ? 'leader' : 'follower', id: pick.id };
}

function memberPid(l: LabLayout, name: string): number {
  const rec = readPid(l.runDir, name);
  if (!rec) throw new Error(`no pid file for ${name}: is the lab up?`);
  return rec.pid;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FaultRun {
  private aborted = false;
  private wake?: () => void;
  private revert: (() => Promise<void> | void)[] = [];
  readonly stats: LoadStats = { ok: 0, failed: 0 };

  constructor(private readonly l: LabLayout, readonly p: FaultParams) {}

  abort(): void {
    this.aborted = true;
    stopLoad();
    killChildren();
    this.wake?.();
  }

  private async hold(until: number): Promise<void> {
    while (!this.aborted && Date.now() < until) {
      await new Promise<void>((r) => { this.wake = r; setTimeout(r, Math.min(1000, Math.max(0, until - Date.now()))); });
    }
  }

  async run(): Promise<void> {
    const until = Date.now() + this.p.durationS * 1000;
    const also = this.p.also ? new FaultRun(this.l, { ...this.p.also, durationS: this.p.durationS }) : undefined;
    if (also) this.revert.push(() => also.abort());
    try {
      await this.apply(until);
      await Promise.all([this.hold(until), also?.run()]);
    } finally {
      for (const r of this.revert.reverse()) {
        try { await r(); } catch (err) { say(`revert step failed: ${(err as Error).message}`); }
      }
    }
  }

  private async apply(until: number): Promise<void> {
    const p = this.p;
    switch (p.kind) {
      case 'none':
        return;
      case 'disk': {
        const pid = memberPid(this.l, p.member!);
        const us = p.fsyncDelayUs ?? DEFAULTS.disk.fsyncDelayUs;
        say(`slow disk on ${p.member} (pid ${pid}): every fdatasync delayed by ${us} µs via strace for ${p.durationS}s`);
        const child = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-p', String(pid), '-e', 'trace=fdatasync', '-e', `inject=fdatasync:delay_enter=${us}`], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
        this.revert.push(async () => {
          if (child.exitCode !== null || child.pid === undefined) return;
          const gone = new Promise((r) => child.once('exit', r));
          // SIGTERM makes strace detach cleanly; the member keeps running at full speed.
          process.kill(child.pid, 'SIGTERM');
          await gone;
          say(`strace detached from ${p.member}`);
        });
        await sleep(1000);
        if (child.exitCode !== null) throw new Error(`strace exited at once (${child.exitCode}): ${err.trim()}`);
        return;
      }
      case 'network': {
        const m = memberByName(this.l, p.member!);
        const { id } = await resolveMember(this.l, m.name);
        const body = {
          member: m.name,
          memberId: id,
          delayMs: p.delayMs ?? DEFAULTS.network.delayMs,
          jitterMs: p.jitterMs ?? DEFAULTS.network.jitterMs,
          lossPct: p.lossPct ?? DEFAULTS.network.lossPct,
          durationS: p.durationS + 5,
        };
        say(`slow network on ${m.name}'s peer traffic: +${body.delayMs} ms (+0–${body.jitterMs} ms jitter, ${body.lossPct}% loss) each way for ${p.durationS}s`);
        await this.proxy('/fault', body);
        this.revert.push(async () => { await this.proxy('/clear', { member: m.name }); say(`proxy fault on ${m.name} cleared`); });
        return;
      }
      case 'cpu': {
        const pid = memberPid(this.l, p.member!);
        const mode = p.cpuMode ?? DEFAULTS.cpu.cpuMode;
        const all = `0-${cpus().length - 1}`;
        const core = String(cpus().length - 1);
        if (mode === 'stop') {
          say(`CPU starvation of ${p.member} (pid ${pid}): SIGSTOP 400 ms out of every 500 ms for ${p.durationS}s`);
          this.revert.push(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
          void (async () => {
            while (!this.aborted && Date.now() < until) {
              process.kill(pid, 'SIGSTOP');
              await sleep(400);
              process.kill(pid, 'SIGCONT');
              await sleep(100);
            }
          })();
          return;
        }
        const hogs = p.cpuHogs ?? DEFAULTS.cpu.cpuHogs;
        say(`CPU starvation of ${p.member} (pid ${pid}): pinned to core ${core}, niced to ${p.cpuNice ?? DEFAULTS.cpu.cpuNice}, with ${hogs} stress-ng CPU hogs on that core for ${p.durationS}s`);
        run('taskset', ['-a', '-p', '-c', core, String(pid)]);
        this.revert.push(() => { run('taskset', ['-a', '-p', '-c', all, String(pid)]); say(`${p.member} unpinned (cores ${all})`); });
        // At equal priority CFS hands a mostly idle etcd the CPU as soon as it wakes, and hogs barely
        // hurt it. A noisy neighbour that wins the CPU is what starvation looks like on a busy node, so
        // the member's threads lose their weight (nice is per thread on Linux, hence every task).
        const tasks = (): string[] => readdirSync(`/proc/${pid}/task`);
        for (const t of tasks()) run('renice', ['-n', String(p.cpuNice ?? DEFAULTS.cpu.cpuNice), '-p', t]);
        this.revert.push(() => { for (const t of tasks()) run('renice', ['-n', '0', '-p', t]); say(`${p.member} back to nice 0`); });
        // With CFS autogroups (the default on most desktops and VMs) each session is weighed as one
        // group and per-thread nice only counts inside it; the member runs in its own session, so its
        // group's nice is what decides against the hogs.
        const ag = `/proc/${pid}/autogroup`;
        if (existsSync(ag)) {
          writeFileSync(ag, String(p.cpuNice ?? DEFAULTS.cpu.cpuNice));
          this.revert.push(() => { writeFileSync(ag, '0'); say(`${p.member} autogroup back to nice 0`); });
        }
        const child = spawn('stress-ng', ['--cpu', String(hogs), '--taskset', core, '--timeout', `${p.durationS}s`, '--quiet'], { stdio: 'ignore' });
        this.revert.push(async () => {
          if (child.exitCode !== null || child.pid === undefined) return;
          const gone = new Promise((r) => child.once('exit', r));
          process.kill(child.pid, 'SIGTERM');
          await gone;
          say('stress-ng stopped');
        });
        return;
      }
      case 'expensive': {
        const clients = p.clients ?? DEFAULTS.expensive.clients;
        say(`expensive requests: ${clients} clients ranging ${EXPENSIVE_PREFIX} (whole prefix, no limit) for ${p.durationS}s`);
        void expensiveReads(this.l, EXPENSIVE_PREFIX, clients, until, this.stats);
        this.revert.push(() => { stopLoad(); killChildren(); });
        return;
      }
      case 'capacity': {
        const writers = p.writers ?? DEFAULTS.capacity.writers;
        const bytes = p.valueBytes ?? DEFAULTS.capacity.valueBytes;
        say(`write flood: ${writers} concurrent writers, each sending transactions of ${DEFAULTS.capacity.opsPerTxn} puts of ${bytes} bytes, for ${p.durationS}s`);
        void writeFlood(this.l, writers, bytes, until, this.stats, DEFAULTS.capacity.opsPerTxn);
        this.revert.push(() => { stopLoad(); });
        return;
      }
    }
  }

  private async proxy(path: string, body: unknown): Promise<void> {
    const r = await fetch(`http://127.0.0.1:${this.l.proxyControlPort}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
    if (!r.ok) throw new Error(`proxy ${path}: HTTP ${r.status} ${await r.text()}`);
  }
}
