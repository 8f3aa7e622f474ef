import { startServices, type RunningServices } from '../../src/cli/run/services.js';
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

export interface TestBotOptions {
  /** The config file's text. */
  config: string;
  /** Shown in config errors. */
  name: string;
  slack: { token: string; apiUrl: string };
  redisUrl: string;
  /** Redis key prefix, one per test file. */
  prefix: string;
  /** The Slack signing secret the tests sign their requests with. */
  signingSecret: string;
  /** Secrets the config names by variable (e.g. AM_TOKEN for the webhook). */
  secrets?: Record<string, string>;
  /** 0: any free port (read it from the result's url). */
  port?: number;
}

/**
 * The bot as the integration tests run it: `start` in this process (front and workers), on a loopback
 * port, with the Slack stand-in and a real Redis, nothing logged.
 */
export function startTestBot(o: TestBotOptions): Promise<RunningServices> {
  return startServices('start', {
    config: parseConfigText(o.config, o.name, {}),
    playbooks: loadPlaybooks(),
    env: readEnv({
      SLACK_BOT_TOKEN: o.slack.token,
      SLACK_SIGNING_SECRET: o.signingSecret,
      SLACK_API_URL: o.slack.apiUrl,
      REDIS_URL: o.redisUrl,
      LOG_LEVEL: 'silent',
    }),
    ...(o.secrets ? { secrets: o.secrets } : {}),
    host: '127.0.0.1',
    port: o.port ?? 0,
    prefix: o.prefix,
    logger: createLogger('silent'),
  });
}

/** The bot as the alert tests run it: webhooks in, Slack requests not part of these tests. */
export function startAlertBot(o: AlertBotOptions): Promise<RunningServices> {
  return startTestBot({ ...o, signingSecret: 'unused-signing-secret', secrets: { AM_TOKEN: o.webhookToken } });
}
