import { readEnv } from '../config/env.js';
import { redactRedisUrl } from '../config/redis-target.js';
import { TimelineStore } from '../incidents/timeline-store.js';
import { WatchStore } from '../incidents/watch-store.js';
import { DEFAULT_PREFIX } from '../jobs/names.js';
import { cliConnection, redisKeyPrefix } from '../jobs/redis.js';
import { readStatusLines } from '../jobs/watch/status.js';
import { loadAll, requireCluster } from './context.js';
import { CliError, EXIT } from './exit.js';

export interface StatusCliOptions {
  config?: string;
  /** Environment (REDIS_URL); default process.env. */
  env?: NodeJS.ProcessEnv;
  prefix?: string;
}

/**
 * `etcd-triage status [cluster|all]`: the lines `/etcd status` answers with, for every configured
 * cluster, read from the bot's Redis (REDIS_URL): the watch's last evaluation, its warning, the alert
 * groups firing. No Prometheus query is made. Slack's markup is left out for a terminal.
 */
export async function statusCli(target: string, opts: StatusCliOptions): Promise<string> {
  const { config } = loadAll(opts.config, undefined);
  if (target !== 'all') requireCluster(config, target);
  const clusters = target === 'all' ? Object.keys(config.clusters).sort() : [target];
  let env;
  try {
    env = readEnv(opts.env ?? process.env);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.config);
  }
  const redis = cliConnection(env.REDIS_URL, 'cli-status');
  redis.on('error', () => undefined);
  const prefix = redisKeyPrefix(env.REDIS_URL, opts.prefix ?? DEFAULT_PREFIX);
  try {
    await redis.ping().catch((err: unknown) => {
      throw new CliError(`cannot reach Redis at ${redactRedisUrl(env.REDIS_URL)}: ${err instanceof Error ? err.message : String(err)}`, EXIT.failed);
    });
    const lines = await readStatusLines({ config, store: new WatchStore(redis, prefix), timeline: new TimelineStore(redis, { prefix, ...config.handoff }) }, clusters);
    // Slack mrkdwn to plain text: bold marks and escapes off.
    return lines.map((l) => l.replace(/\*/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')).join('\n');
  } finally {
    redis.disconnect();
  }
}
