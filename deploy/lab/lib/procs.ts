import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { say } from './layout.js';

/**
 * Long-running lab processes: started detached (they outlive the CLI that started them), recorded in
 * <runDir>/<name>.pid together with the command they run, and stopped only through that pid file.
 * Before signalling, the pid's start time (/proc/<pid>/stat field 22) is compared with the one recorded
 * at spawn, so a recycled pid belonging to something else is never touched (the command line cannot be
 * used for this: redis-server, for one, rewrites its own).
 */

interface PidRecord {
  pid: number;
  command: string;
  args: string[];
  startedAt: string;
  /** Kernel start time of the process in clock ticks since boot. */
  startTicks: string;
}

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  /** stdout+stderr go here. */
  outFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function pidFile(runDir: string, name: string): string {
  return join(runDir, `${name}.pid`);
}

export function readPid(runDir: string, name: string): PidRecord | undefined {
  const f = pidFile(runDir, name);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; it only waits for its parent to reap it.
    if (rest[0] === 'Z') return undefined;
    return rest[19];
  } catch {
    return undefined;
  }
}

/** True when the pid is alive AND is still the process that was started under it. */
export function isOurs(rec: PidRecord): boolean {
  const t = startTicks(rec.pid);
  return t !== undefined && t === rec.startTicks;
}

export function isRunning(runDir: string, name: string): number | undefined {
  const rec = readPid(runDir, name);
  return rec && isOurs(rec) ? rec.pid : undefined;
}

export function startDaemon(runDir: string, spec: DaemonSpec): number {
  const existing = isRunning(runDir, spec.name);
  if (existing !== undefined) {
    say(`${spec.name} already running (pid ${existing})`);
    return existing;
  }
  const fd = openSync(spec.outFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name}: ${spec.command} not found?`);
  child.unref();
  const ticks = startTicks(child.pid);
  if (ticks === undefined) throw new Error(`${spec.name} (${spec.command}) exited at once; see ${spec.outFile}`);
  const rec: PidRecord = { pid: child.pid, command: spec.command, args: spec.args, startedAt: new Date().toISOString(), startTicks: ticks };
  writeFileSync(pidFile(runDir, spec.name), JSON.stringify(rec));
  say(`started ${spec.name} (pid ${child.pid}) → ${spec.outFile}`);
  return child.pid;
}

/** Stops one lab process by its pid file: SIGTERM, then SIGKILL after graceMs. */
export async function stopDaemon(runDir: string, name: string, graceMs = 8000): Promise<void> {
  const rec = readPid(runDir, name);
  if (!rec) return;
  if (!isOurs(rec)) {
    rmSync(pidFile(runDir, name), { force: true });
    return;
  }
  say(`stopping ${name} (pid ${rec.pid})`);
  // A stopped (SIGSTOP) process cannot act on SIGTERM; wake it first.
  try { process.kill(rec.pid, 'SIGCONT'); } catch { /* gone */ }
  try { process.kill(rec.pid, 'SIGTERM'); } catch { /* gone */ }
  const deadline = Date.now() + graceMs;
  while (isOurs(rec) && Date.now() < deadline) await sleep(100);
  if (isOurs(rec)) {
    say(`${name} ignored SIGTERM; sending SIGKILL to ${rec.pid}`);
    try { process.kill(rec.pid, 'SIGKILL'); } catch { /* gone */ }
    while (isOurs(rec)) await sleep(50);
  }
  rmSync(pidFile(runDir, name), { force: true });
}

export function pidNames(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, logHint?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) {
      let hint = '';
      if (logHint && existsSync(logHint)) hint = `\n--- last lines of ${logHint} ---\n${readFileSync(logHint, 'utf8').slice(-1500)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${hint}`);
    }
    await sleep(200);
  }
}
