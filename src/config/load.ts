import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { ConfigError } from './errors.js';
import { formatIssues } from './zod-issues.js';
import { parseDuration } from './duration.js';
import { handoffProblems } from './handoff-checks.js';
import { watchProblems } from './watch-settings.js';

/** Where the config comes from: --config, else ETCD_TRIAGE_CONFIG. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const path = flag ?? env.ETCD_TRIAGE_CONFIG;
  if (!path) {
    throw new ConfigError('(none)', ['no config file: pass --config FILE or set ETCD_TRIAGE_CONFIG']);
  }
  return path;
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  const parsed = configSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error));
  const problems = semanticProblems(parsed.data, env);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return parsed.data;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseConfigText(text, file, env);
}

/**
 * Checks zod cannot express alone: referenced environment variables exist (a missing token found at
 * 3 a.m. during an incident is worse than one found at start-up) and windows are within bounds.
 */
function semanticProblems(config: Config, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const needEnv = (path: string, name: string | undefined): void => {
    if (name !== undefined && !env[name]) problems.push(`${path}: environment variable ${name} is not set`);
  };
  const w = parseDuration(config.defaults.window);
  if (w === undefined || w < 60 || w > 86400) problems.push('defaults.window: must be between 1m and 24h');
  for (const [name, cluster] of Object.entries(config.clusters)) {
    const auth = cluster.prometheus.auth;
    if (auth && 'bearerTokenEnv' in auth) needEnv(`clusters.${name}.prometheus.auth.bearerTokenEnv`, auth.bearerTokenEnv);
    if (auth && 'basic' in auth) {
      needEnv(`clusters.${name}.prometheus.auth.basic.usernameEnv`, auth.basic.usernameEnv);
      needEnv(`clusters.${name}.prometheus.auth.basic.passwordEnv`, auth.basic.passwordEnv);
    }
    const needHeaderEnv = (path: string, headers: Record<string, string | { valueEnv: string }> | undefined): void => {
      for (const [header, value] of Object.entries(headers ?? {})) {
        if (typeof value !== 'string') needEnv(`${path}.${header}.valueEnv`, value.valueEnv);
      }
    };
    needHeaderEnv(`clusters.${name}.prometheus.headers`, cluster.prometheus.headers);
    cluster.logs.forEach((src, i) => {
      if (src.type === 'kubernetes') needEnv(`clusters.${name}.logs.${i}.tokenEnv`, src.tokenEnv);
      if (src.type === 'loki') needHeaderEnv(`clusters.${name}.logs.${i}.headers`, src.headers);
    });
  }
  problems.push(...handoffProblems(config));
  problems.push(...watchProblems(config));
  return problems;
}
