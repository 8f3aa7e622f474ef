import { z } from 'zod';
import { formatIssues } from './zod-issues.js';
import { ConfigError } from './errors.js';
import { parseRedisUrl } from './redis-target.js';

/** Secrets and deployment settings come from the environment only, never from the config file. */
const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
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

/** The HTTP front needs both Slack secrets; the CLI needs neither. */
export function requireSlackSecrets(env: Env): { botToken: string; signingSecret: string } {
  const missing = [
    env.SLACK_BOT_TOKEN ? undefined : 'SLACK_BOT_TOKEN: not set',
    env.SLACK_SIGNING_SECRET ? undefined : 'SLACK_SIGNING_SECRET: not set',
  ].filter((p): p is string => p !== undefined);
  if (missing.length > 0) throw new ConfigError('(environment)', missing);
  return { botToken: env.SLACK_BOT_TOKEN!, signingSecret: env.SLACK_SIGNING_SECRET! };
}
