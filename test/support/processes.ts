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

/**
 * Ports for the services a test starts. Each vitest worker (VITEST_POOL_ID, 1 to maxWorkers) takes its
 * ports from a block of its own, below the kernel's ephemeral range (32768-60999 by default), in turn,
 * each checked free by binding it. A port the kernel picks for bind(0) is free only until the test's
 * service binds it, seconds later for a bot; meanwhile a file running beside this one could be handed
 * the same port by the kernel, and outgoing connections take ephemeral ports too. A worker's own block
 * is used by nobody else. Outside vitest (benchmarks) the kernel picks, as before.
 */
const PORT_BLOCK = 1000;
const FIRST_BLOCK_PORT = 20_000;
const BLOCKS = 8;
let nextInBlock: number | undefined;

/** This worker's first port, or undefined (the kernel's choice); worked out once per process. */
const blockStart: number | undefined = (() => {
  const id = Number(process.env['VITEST_POOL_ID']);
  if (!Number.isInteger(id) || id < 1) return undefined;
  try {
    // A machine whose ephemeral range reaches down into the blocks gets the kernel's choice instead.
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (!(low >= FIRST_BLOCK_PORT + BLOCKS * PORT_BLOCK)) return undefined;
  } catch {
    return undefined;
  }
  return FIRST_BLOCK_PORT + ((id - 1) % BLOCKS) * PORT_BLOCK;
})();

/** Binds 127.0.0.1:port (0: the kernel picks) and releases it; resolves with the port, or undefined when it is taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' && port !== 0 ? resolve(undefined) : reject(err)));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

/** A free loopback port for a service this test starts (see above). */
export async function freePort(): Promise<number> {
  const block = blockStart;
  if (block === undefined) return (await tryPort(0))!;
  // A random start: a file's ports differ from the previous file's in this worker, whose services may
  // still be closing.
  nextInBlock ??= Math.floor(Math.random() * PORT_BLOCK);
  for (let tries = 0; tries < PORT_BLOCK; tries++) {
    const port = block + (nextInBlock++ % PORT_BLOCK);
    if ((await tryPort(port)) !== undefined) return port;
  }
  throw new Error(`no free port in ${block}-${block + PORT_BLOCK - 1}`);
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
