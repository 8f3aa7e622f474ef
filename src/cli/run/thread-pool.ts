import type { Config } from '../../config/schema.js';

/** libuv's own default, and its ceiling. */
const LIBUV_DEFAULT_POOL = 4;
const LIBUV_MAX_POOL = 1024;

const THREAD_POOL_ENV = 'UV_THREADPOOL_SIZE';

/**
 * The I/O pool a worker process needs: libuv's default four, plus one per log file the config reads.
 * A file on a network filesystem is read through the pool, and an operation on a mount whose server is
 * gone holds its thread until the mount answers (the file is skipped meanwhile, so one thread per file
 * at most). Without the extra threads, four files on one dead mount fill the pool, and everything else
 * that needs it waits behind them: host-name lookups for Prometheus, file reads of the other clusters.
 */
function threadPoolSize(config: Config): number {
  const files = Object.values(config.clusters).reduce((n, c) => n + c.logs.filter((s) => s.type === 'file').length, 0);
  return Math.min(LIBUV_DEFAULT_POOL + files, LIBUV_MAX_POOL);
}

/**
 * The worker process' environment with the pool sized for the config. libuv reads the variable once,
 * when the pool starts, so it is set for the child rather than in a running process; a value the
 * operator set is kept.
 */
export function withThreadPool(env: NodeJS.ProcessEnv, config: Config): NodeJS.ProcessEnv {
  const set = env[THREAD_POOL_ENV];
  if (set !== undefined && set !== '') return env;
  return { ...env, [THREAD_POOL_ENV]: String(threadPoolSize(config)) };
}
