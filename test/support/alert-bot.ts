import { startServices, type RunningServices } from '../../src/cli/services.js';
import { readEnv } from '../../src/config/env.js';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface AlertBotOptions {
  /** The config file's text (its alertmanager section names AM_TOKEN). */
  config: string;
  /** Shown in config errors. */
  name: string;
  slack: { token: string; apiUrl: string };
  redisUrl: string;
  /** The webhook token, read from AM_TOKEN. */
  webhookToken: string;
  port: number;
  /** Redis key prefix, one per test file. */
  prefix: string;
}

/**
 * The bot as the alert tests run it: `start` in this process (front and workers), on a loopback port,
 * with the Slack stand-in and a real Redis; Slack requests are not part of these tests.
 */
export function startAlertBot(o: AlertBotOptions): Promise<RunningServices> {
  return startServices('start', {
    config: parseConfigText(o.config, o.name, {}),
    playbooks: loadPlaybooks(),
    env: readEnv({
      SLACK_BOT_TOKEN: o.slack.token,
      SLACK_SIGNING_SECRET: 'unused-signing-secret',
      SLACK_API_URL: o.slack.apiUrl,
      REDIS_URL: o.redisUrl,
      LOG_LEVEL: 'silent',
    }),
    secrets: { AM_TOKEN: o.webhookToken },
    host: '127.0.0.1',
    port: o.port,
    prefix: o.prefix,
    logger: createLogger('silent'),
  });
}
