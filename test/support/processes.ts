import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real services for tests: started on private loopback ports, tracked by pid, stopped by that pid.
 * Nothing is ever killed by name.
 */
export interface RunningProcess {
  name: string;
  pid: number;
  port: number;
  logFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      const { port } = addr;
      srv.close(() => resolve(port));
    });
  });
}

/** A URL whose connections are refused, and stay refused, until `close()`. */
export interface RefusedUrl {
  url: string;
  close(): Promise<void>;
}

/**
 * A port merely freed by freePort() can be taken minutes later by another test file's service, and
 * then "Prometheus is down" gets an answer. So the port is held: a listener on 127.0.0.1:P keeps every
 * 127.0.0.1 and wildcard bind off P, while 127.0.0.2:P (also loopback) has no listener, so a connect
 * there is refused by the kernel (ECONNREFUSED), exactly as for a service that is down.
 */
export async function refusedUrl(): Promise<RefusedUrl> {
  const holder = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = holder.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.2:${addr.port}`,
    close: () => new Promise<void>((resolve) => holder.close(() => resolve())),
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `etcd-triage-${prefix}-`));
}

export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ port, host });
      sock.once('connect', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  port: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Extra readiness check after the port opens (e.g. an HTTP /-/ready). */
  ready?: () => Promise<boolean>;
}

export async function startProcess(opts: StartOptions): Promise<RunningProcess> {
  const logDir = tempDir(`${opts.name}-log`);
  const logFile = join(logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: false,
  });
  if (child.pid === undefined) throw new Error(`could not start ${opts.command}`);
  const pid = child.pid;
  let exited = false;
  child.once('exit', () => { exited = true; });
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => { if (!exited) process.kill(pid, 'SIGKILL'); }, 5000);
      await gone;
      clearTimeout(timer);
    }
    // Nothing left behind in the temp dir once the process is gone.
    rmSync(logDir, { recursive: true, force: true });
  };
  try {
    await waitForPort(opts.port, opts.readyTimeoutMs ?? 20_000);
    if (opts.ready) await waitFor(`${opts.name} ready`, opts.ready, opts.readyTimeoutMs ?? 20_000, 100);
  } catch (err) {
    const log = readFileSync(logFile, 'utf8').slice(-2000);
    await stop();
    throw new Error(`${opts.name} did not start: ${(err as Error).message}\n--- log ---\n${log}`);
  }
  return { name: opts.name, pid, port: opts.port, logFile, child, stop };
}
