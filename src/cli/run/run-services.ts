import { z } from 'zod';
import { readEnv, type Env } from '../../config/env.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { loadAll } from '../context.js';
import { CliError, EXIT } from '../exit.js';
import { startServices, type RunningServices, type ServiceMode } from './services.js';
import { shutdownWithin, type ShutdownPlan } from './shutdown.js';
import { withThreadPool } from './thread-pool.js';
import { answerMetricsRequests, WORKER_READY, WorkerSupervisor } from './worker-supervisor.js';

export interface ServiceFlags {
  config?: string;
  playbooks?: string;
  port?: string;
}

const SHUTDOWN_ENV = 'ETCD_TRIAGE_SHUTDOWN_TIMEOUT_SECONDS';
const shutdownEnvSchema = z.coerce.number().min(0.1).max(600).optional();

/** The shutdown bound: the environment variable (set by a supervisor for its child) over the config. */
function shutdownTimeoutMs(configSeconds: number): number {
  const parsed = shutdownEnvSchema.safeParse(process.env[SHUTDOWN_ENV] === '' ? undefined : process.env[SHUTDOWN_ENV]);
  if (!parsed.success) throw new CliError(`${SHUTDOWN_ENV}: must be a number of seconds from 0.1 to 600`, EXIT.config);
  return Math.round((parsed.data ?? configSeconds) * 1000);
}

/**
 * The worker child must be done (or have handed its jobs back) before its parent's own deadline: it gets
 * the parent's bound less 2 s (a quarter of it when shorter), the rest is for the parent to see it exit.
 */
function childTimeoutSeconds(parentMs: number): number {
  return Math.max(parentMs * 0.75, parentMs - 2000) / 1000;
}

/**
 * Entry for `serve`, `worker` and `start`. `start` runs the HTTP front in this process and the job
 * consumers in a supervised child process, so that slash commands are answered from an event loop no
 * diagnosis ever blocks. Runs until SIGTERM/SIGINT, then shuts down within server.shutdownTimeoutSeconds.
 */
export async function runServices(mode: ServiceMode, flags: ServiceFlags): Promise<void> {
  const { config, playbooks } = loadAll(flags.config, flags.playbooks);
  let env: Env;
  try {
    env = readEnv();
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.config);
  }
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new CliError(`--port ${flags.port} is not a TCP port`, EXIT.usage);
  }
  const timeoutMs = shutdownTimeoutMs(config.server.shutdownTimeoutSeconds);
  const logger = createLogger(env.LOG_LEVEL);
  // Signals that arrive while starting are kept and acted on once the parts exist.
  const signalled = waitForSignal(logger);

  let plan: ShutdownPlan;
  if (mode === 'start') {
    const supervisor = new WorkerSupervisor({
      args: ['worker', ...(flags.config === undefined ? [] : ['--config', flags.config]), ...(flags.playbooks === undefined ? [] : ['--playbooks', flags.playbooks])],
      // No PORT: the child serves no HTTP (the front serves its metrics, merged with its own).
      env: withThreadPool({ ...withoutKey(process.env, 'PORT'), [SHUTDOWN_ENV]: String(childTimeoutSeconds(timeoutMs)) }, config),
      priority: config.server.workerPriority,
      logger,
    });
    const [front] = await startBoth(startServices('serve', { config, playbooks, env, port, logger }), supervisor);
    front.metrics.addSource(() => supervisor.metrics());
    plan = {
      timeoutMs,
      logger,
      first: () => front.drain(),
      steps: [
        { name: 'HTTP front', run: () => front.stop() },
        {
          name: 'worker process',
          run: async () => {
            const code = await supervisor.stop();
            if (code !== 0) throw new Error(`the worker process exited with ${code}`);
          },
        },
      ],
      openWork: () => (supervisor.pid === undefined ? [] : [`worker process ${supervisor.pid}`]),
      atDeadline: async () => supervisor.kill(),
    };
  } else {
    const services = await startServices(mode, { config, playbooks, env, port, logger });
    plan = servicePlan(mode, services, timeoutMs, logger);
    // A worker forked by `start` reports ready (and stops when its parent is gone: see waitForSignal),
    // and gives its metrics to the parent, which serves them.
    if (process.send !== undefined) {
      answerMetricsRequests(services.metrics);
      process.send(WORKER_READY);
    }
  }
  // CPU time to ready next to wall time: on a busy machine only the first says what start-up costs.
  const cpu = process.cpuUsage();
  logger.info({ mode, uptimeMs: Math.round(process.uptime() * 1000), cpuMs: Math.round((cpu.user + cpu.system) / 1000) }, 'ready');

  await signalled;
  const code = await shutdownWithin(plan);
  // Abandoned job processors and sockets must not keep the process alive past its deadline.
  process.exit(code);
}

function servicePlan(mode: ServiceMode, services: RunningServices, timeoutMs: number, logger: Logger): ShutdownPlan {
  return {
    timeoutMs,
    logger,
    first: () => services.drain(),
    steps: [{ name: mode === 'serve' ? 'HTTP front' : 'job consumers', run: () => services.stop() }],
    openWork: () => services.openWork(),
    atDeadline: () => services.handBack(),
  };
}

/** Starts the front and the worker process together; if either fails, the other is stopped. */
async function startBoth(front: Promise<RunningServices>, supervisor: WorkerSupervisor): Promise<[RunningServices]> {
  const [f, w] = await Promise.allSettled([front, supervisor.start()]);
  if (f.status === 'fulfilled' && w.status === 'fulfilled') return [f.value];
  if (f.status === 'fulfilled') await f.value.stop();
  if (w.status === 'fulfilled') await supervisor.stop();
  throw f.status === 'rejected' ? f.reason : (w as PromiseRejectedResult).reason;
}

/** Resolves on the first SIGTERM or SIGINT; later ones are logged and ignored (the deadline bounds the wait). */
function waitForSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const on = (signal: NodeJS.Signals): void => {
      if (received !== undefined) {
        logger.info({ signal }, 'already shutting down');
        return;
      }
      received = signal;
      logger.info({ signal }, 'shutting down');
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
    // A worker forked by `start` must not outlive its parent: the IPC channel closes when the parent dies.
    if (process.send !== undefined) process.once('disconnect', () => on('SIGTERM'));
  });
}

function withoutKey(env: NodeJS.ProcessEnv, key: string): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy[key];
  return copy;
}
