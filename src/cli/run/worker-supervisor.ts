import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics, MetricsSnapshot } from '../../telemetry/metrics.js';

/** What a worker process sends its supervisor over the IPC channel once its consumers run. */
export const WORKER_READY = 'etcd-triage:worker-ready';

/** The supervisor asks its worker process for its metrics (GET /metrics of `start` serves both). */
const METRICS_REQUEST = 'etcd-triage:metrics-request';
const METRICS_REPLY = 'etcd-triage:metrics';

interface MetricsRequest { type: typeof METRICS_REQUEST; id: number }
interface MetricsReply { type: typeof METRICS_REPLY; id: number; metrics: MetricsSnapshot }

const isMessage = <T extends { type: string }>(m: unknown, type: T['type']): m is T =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** In the worker process: answers the supervisor's metrics requests with this process's metrics. */
export function answerMetricsRequests(metrics: Metrics): void {
  process.on('message', (m: unknown) => {
    if (!isMessage<MetricsRequest>(m, METRICS_REQUEST) || process.send === undefined) return;
    metrics.registry.getMetricsAsJSON().then(
      (snapshot) => process.send?.({ type: METRICS_REPLY, id: m.id, metrics: snapshot } satisfies MetricsReply),
      () => undefined,
    );
  });
}

export interface WorkerSupervisorOptions {
  /** Arguments of the CLI in the child, e.g. ['worker', '--config', FILE]. */
  args: string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Wait before the n-th restart in a row (n from 1); default 0.5 s doubling up to 30 s. */
  backoffMs?: (n: number) => number;
  /** A child that ran this long before dying starts the backoff over; default 60 s. */
  stableAfterMs?: number;
  /** Niceness of the worker process (0 to 19); default WORKER_NICENESS. */
  niceness?: number;
  /** `server.workerPriority`: `idle` (SCHED_IDLE where chrt allows it, the default) or `nice` (niceness only). */
  priority?: 'idle' | 'nice';
}

/**
 * The worker process runs at a lower CPU priority than the front: when both want the CPU (a diagnosis
 * reading logs while a burst of slash commands arrives), the acknowledgements go first. Diagnoses take
 * seconds anyway; an acknowledgement has 3 s in all and a 25 ms budget here.
 */
export const WORKER_NICENESS = 10;

/**
 * On Linux the worker process is started under the SCHED_IDLE policy (util-linux `chrt --idle 0`, so
 * every thread it creates, V8's garbage collector and compiler threads included, inherits it): it uses
 * every cycle nobody else wants, and gives the core up the moment the front wakes for a request. A
 * niceness alone still lets a busy worker hold the core for a while after the front wakes: measured in
 * the slash-command benchmark with diagnoses running (two alternating pairs, load 6-7), the front's own
 * time per command in bursts of fifty was p99 119 and 278 ms at niceness 10, 24 and 39 ms under SCHED_IDLE. In a container
 * the policy only orders the pod's own processes; the niceness stays as the fallback where chrt is
 * missing (macOS, a minimal image). On a host shared with other busy services and no cgroup of its own,
 * an idle-policy worker yields to all of them too: `server.workerPriority: nice` keeps only the niceness.
 */

let chrt: string | null | undefined;
/**
 * chrt's path when it is installed (util-linux, in every Debian-based image) and the policy is allowed
 * here (a sandbox may refuse it: then the worker starts without it rather than not at all). Tried once.
 */
function schedIdleLauncher(): string | undefined {
  if (chrt === undefined) {
    chrt = null;
    if (process.platform === 'linux') {
      for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(':')) {
        const candidate = join(dir === '' ? '.' : dir, 'chrt');
        if (!existsSync(candidate)) continue;
        // `true`, not Node: whether the policy is allowed is all this asks, for a millisecond of start-up.
        if (spawnSync(candidate, ['--idle', '0', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0) chrt = candidate;
        break;
      }
    }
  }
  return chrt ?? undefined;
}

const defaultBackoff = (n: number): number => Math.min(30_000, 500 * 2 ** (n - 1));

/**
 * Runs the job consumers in a child process (`etcd-triage worker`, forked from the same CLI with the
 * same Node flags, so it works from the sources under tsx and from the build): the slash-command front
 * keeps its event loop to itself, whatever a diagnosis costs in CPU. A child that dies unasked is
 * restarted with backoff; stop() passes SIGTERM on (the child shuts down within its own deadline).
 */
export class WorkerSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private crashesInARow = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarts = 0;
  private metricsRequests = 0;

  constructor(private readonly opts: WorkerSupervisorOptions) {}

  /** The worker process's metrics, or undefined when it is not running or does not answer in time. */
  metrics(timeoutMs = 2000): Promise<MetricsSnapshot | undefined> {
    const child = this.child;
    if (child === undefined || !child.connected) return Promise.resolve(undefined);
    const id = ++this.metricsRequests;
    return new Promise((resolve) => {
      const done = (value: MetricsSnapshot | undefined): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(value);
      };
      const onMessage = (m: unknown): void => {
        if (isMessage<MetricsReply>(m, METRICS_REPLY) && m.id === id) done(m.metrics);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      child.on('message', onMessage);
      child.send({ type: METRICS_REQUEST, id } satisfies MetricsRequest, (err) => {
        if (err) done(undefined);
      });
    });
  }

  /** The current child's pid (tests and logs). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How many times a child was started again after dying. */
  get restartCount(): number {
    return this.restarts;
  }

  /** Starts the first child; rejects when it exits before reporting ready (bad config, no Redis...). */
  async start(): Promise<void> {
    const child = this.spawn();
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        if (m !== WORKER_READY) return;
        child.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        child.off('message', onMessage);
        reject(new Error(`the worker process exited before it was ready (${signal ?? `exit code ${code}`})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }

  private spawn(): ChildProcess {
    // A debugger port cannot be shared with the parent.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
    const launcher = (this.opts.priority ?? 'idle') === 'idle' ? schedIdleLauncher() : undefined;
    const child = fork(process.argv[1]!, this.opts.args, {
      // chrt execs Node in place (same pid, the IPC channel's descriptor inherited).
      ...(launcher === undefined ? { execArgv } : { execPath: launcher, execArgv: ['--idle', '0', process.execPath, ...execArgv] }),
      env: this.opts.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const startedAt = Date.now();
    this.child = child;
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, this.opts.niceness ?? WORKER_NICENESS);
      } catch (err) {
        // Not fatal: a platform or sandbox that refuses it only loses the preference.
        this.opts.logger.warn({ pid: child.pid, err: err instanceof Error ? err.message : String(err) }, 'could not lower the worker process priority');
      }
    }
    this.opts.logger.info({ pid: child.pid }, 'worker process started');
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      if (Date.now() - startedAt >= (this.opts.stableAfterMs ?? 60_000)) this.crashesInARow = 0;
      this.crashesInARow += 1;
      const delay = (this.opts.backoffMs ?? defaultBackoff)(this.crashesInARow);
      this.opts.logger.error({ pid: child.pid, code, signal, restartInMs: delay }, 'worker process died; restarting it');
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.stopping) return;
        this.restarts += 1;
        this.spawn();
      }, delay);
    });
    return child;
  }

  /** Asks the child to shut down (SIGTERM) and resolves when it has exited, with its exit code (0 when none ran). */
  async stop(): Promise<number | null> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    // Between a crash and its restart nothing runs: nothing to wait for, nothing to hand back.
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return 0;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) this.opts.logger.warn({ pid: child.pid, code }, 'worker process exited with an error');
    return code;
  }

  /** Past the deadline: the child is killed; its running jobs' locks lapse and another worker retries them. */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
  }
}
