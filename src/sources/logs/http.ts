import { readFile } from 'node:fs/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { readAtMost } from '../read-at-most.js';

/**
 * What the HTTP log sources share: one bounded connection pool per source (custom CA when configured),
 * credentials read from the environment at fetch time (never from the config file), and a readable
 * error for non-2xx answers.
 */

export class LogSourceConfigError extends Error {
  override readonly name = 'LogSourceConfigError';
}

export function envValue(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new LogSourceConfigError(`${what}: environment variable ${name} is not set`);
  return v;
}

export type HttpAuth =
  | { bearerTokenEnv: string }
  | { basic: { usernameEnv: string; passwordEnv: string } }
  | undefined;

export function authHeader(auth: HttpAuth, env: NodeJS.ProcessEnv, what: string): Record<string, string> {
  if (auth === undefined) return {};
  if ('bearerTokenEnv' in auth) return { authorization: `Bearer ${envValue(env, auth.bearerTokenEnv, what)}` };
  const user = envValue(env, auth.basic.usernameEnv, what);
  const pass = envValue(env, auth.basic.passwordEnv, what);
  return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

/** Lazily created so a missing CA file is reported by fetch (in `errors`), not thrown at start-up. */
export class LazyAgent {
  private agent: Promise<Agent> | null = null;

  constructor(
    private readonly caFile: string | undefined,
    private readonly connections = 4,
  ) {}

  get(): Promise<Agent> {
    this.agent ??= (async () => {
      const ca = this.caFile === undefined ? undefined : await readFile(this.caFile, 'utf8');
      return new Agent({ connections: this.connections, ...(ca === undefined ? {} : { connect: { ca } }) });
    })();
    // A failed CA read must not poison later fetches (the file may appear).
    this.agent.catch(() => (this.agent = null));
    return this.agent;
  }

  async close(): Promise<void> {
    const a = this.agent;
    this.agent = null;
    if (a) await (await a).close().catch(() => undefined);
  }
}

/** The Kubernetes API error body. */
const k8sStatusSchema = z.object({ kind: z.literal('Status'), message: z.string().optional(), reason: z.string().optional() });

const ERROR_BODY_LIMIT = 16 * 1024;

/** Reads at most 16 KiB of an error body and turns it into one line. */
export async function describeHttpError(res: Dispatcher.ResponseData): Promise<string> {
  let text = '';
  try {
    text = (await readAtMost(res, ERROR_BODY_LIMIT, { keepHead: true })).bytes.toString('utf8');
  } catch {
    // the body is only decoration for the message
  } finally {
    res.body.destroy();
  }
  let detail = text.trim().slice(0, 500);
  try {
    const status = k8sStatusSchema.safeParse(JSON.parse(text));
    if (status.success) detail = [status.data.reason, status.data.message].filter(Boolean).join(': ');
  } catch {
    // not JSON: keep the text (Loki answers errors as text/plain)
  }
  return `HTTP ${res.statusCode}${detail ? `: ${detail}` : ''}`;
}

export async function httpGet(
  url: URL,
  agent: Agent,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return request(url, { method: 'GET', dispatcher: agent, headers, signal });
}
