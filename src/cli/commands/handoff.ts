import { readEnv } from '../../config/env.js';
import { redactRedisUrl } from '../../config/redis-target.js';
import { SlackDelivery } from '../../delivery/slack-client.js';
import { gatherHandoff } from '../../handoff/gather.js';
import { parseSince } from '../../handoff/period.js';
import { IncidentStore } from '../../incidents/alerts/incident-store.js';
import { TimelineStore } from '../../incidents/timeline/timeline-store.js';
import { DEFAULT_PREFIX } from '../../jobs/names.js';
import { cliConnection, redisKeyPrefix } from '../../jobs/redis.js';
import { renderHandoff } from '../../report/handoff/handoff-text.js';
import type { OutputFormat } from '../../report/render.js';
import { PrometheusRegistry } from '../../sources/prometheus/registry.js';
import { createLogger } from '../../telemetry/logger.js';
import { loadAll, requireCluster } from '../context.js';
import { CliError, EXIT } from '../exit.js';

export interface HandoffCliOptions {
  config?: string;
  playbooks?: string;
  since?: string;
  format: OutputFormat;
  /** Environment (REDIS_URL, SLACK_BOT_TOKEN); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Redis key prefix of the installation; default the bot's. */
  prefix?: string;
}

/**
 * `etcd-triage handoff <cluster|all>`: the summary the bot posts, printed. It reads the timeline from
 * the bot's Redis (REDIS_URL); thread links are included when SLACK_BOT_TOKEN is set.
 */
export async function handoffCli(target: string, opts: HandoffCliOptions): Promise<string> {
  const { config, playbooks } = loadAll(opts.config, opts.playbooks);
  const clusters = target === 'all' ? Object.keys(config.clusters).sort() : [target];
  if (target !== 'all') requireCluster(config, target);
  const since = parseSince(opts.since ?? config.handoff.defaultSince, config.handoff.retentionDays * 86400);
  if (!since.ok) throw new CliError(`--since: ${since.message}`, EXIT.usage);
  let env;
  try {
    env = readEnv(opts.env ?? process.env);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.config);
  }

  // A CLI must not hang on a Redis that is not there: a few quick reconnects, then the command fails.
  const redis = cliConnection(env.REDIS_URL, 'cli-handoff');
  redis.on('error', () => undefined);
  const prefix = redisKeyPrefix(env.REDIS_URL, opts.prefix ?? DEFAULT_PREFIX);
  const prometheus = new PrometheusRegistry(config, opts.env ?? process.env);
  const slack =
    env.SLACK_BOT_TOKEN === undefined
      ? undefined
      : new SlackDelivery({ botToken: env.SLACK_BOT_TOKEN, ...(env.SLACK_API_URL === undefined ? {} : { slackApiUrl: env.SLACK_API_URL }), logger: createLogger('silent') });
  try {
    const timeline = new TimelineStore(redis, { prefix, ...config.handoff });
    await redis.ping().catch((err: unknown) => {
      throw new CliError(`cannot reach Redis at ${redactRedisUrl(env.REDIS_URL)}: ${err instanceof Error ? err.message : String(err)}`, EXIT.failed);
    });
    const untilMs = Date.now();
    const summary = await gatherHandoff(
      {
        config,
        playbooks,
        prometheus,
        timeline,
        threads: new IncidentStore(redis, { prefix, historyDays: config.alertmanager?.historyDays ?? 14 }),
        ...(slack === undefined ? {} : { permalink: (channel: string, ts: string) => slack.getPermalink(channel, ts) }),
      },
      { clusters, sinceMs: untilMs - since.seconds * 1000, untilMs, origin: { kind: 'cli' } },
    );
    return renderHandoff(summary, opts.format);
  } finally {
    await prometheus.close();
    redis.disconnect();
  }
}
