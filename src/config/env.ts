import { z } from 'zod';
import { formatIssues } from './zod-issues.js';
import { ConfigError } from './errors.js';
import { parseRedisUrl } from './redis-target.js';

/** Secrets and deployment settings come from the environment only, never from the config file. */
const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** Socket Mode: the app-level token (connections:write scope). */
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'an app-level token starts with xapp-').optional(),
  /** Override of the Slack Web API base URL, e.g. for an Enterprise Grid proxy. */
  SLACK_API_URL: z.url().optional(),
  /** One server, Sentinels or a Cluster: the forms are in redis-target.ts and the README. */
  REDIS_URL: z
    .string()
    .superRefine((url, ctx) => {
      try {
        parseRedisUrl(url);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    })
    .default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

export type Env = z.infer<typeof envSchema>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError('(environment)', formatIssues(parsed.error));
  return parsed.data;
}

/**
 * The front's Slack secrets: the bot token, plus the signing secret in HTTP mode or the app-level token
 * in Socket Mode. The CLI needs none of them.
 */
export function requireSlackSecrets(
  env: Env,
  mode: 'http' | 'socket' = 'http',
): { botToken: string; signingSecret?: string; appToken?: string } {
  const missing = [
    env.SLACK_BOT_TOKEN ? undefined : 'SLACK_BOT_TOKEN: not set',
    mode === 'http' && !env.SLACK_SIGNING_SECRET ? 'SLACK_SIGNING_SECRET: not set (HTTP mode)' : undefined,
    mode === 'socket' && !env.SLACK_APP_TOKEN ? 'SLACK_APP_TOKEN: not set (slack.mode: socket needs an app-level token)' : undefined,
  ].filter((p): p is string => p !== undefined);
  if (missing.length > 0) throw new ConfigError('(environment)', missing);
  return mode === 'http'
    ? { botToken: env.SLACK_BOT_TOKEN!, signingSecret: env.SLACK_SIGNING_SECRET! }
    : { botToken: env.SLACK_BOT_TOKEN!, appToken: env.SLACK_APP_TOKEN! };
}
