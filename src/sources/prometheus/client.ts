import { readFileSync } from 'node:fs';
import { Agent, request, errors as undiciErrors } from 'undici';
import type { PrometheusConfig } from '../../config/schema.js';
import { PrometheusError } from './errors.js';
import { apiResponseSchema, type Sample, type Series } from './types.js';

/**
 * A small client for the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics): one bounded
 * connection pool per origin, a hard deadline per query, auth and CA from config.
 */
export class PrometheusClient {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly cfg: PrometheusConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.base = new URL(cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`);
    this.agent = new Agent({
      connections: cfg.maxConnections,
      connect: cfg.caFile ? { ca: readFileSync(cfg.caFile) } : undefined,
    });
    this.headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const auth = cfg.auth;
    if (auth && 'bearerTokenEnv' in auth) {
      this.headers.authorization = `Bearer ${env[auth.bearerTokenEnv] ?? ''}`;
    } else if (auth && 'basic' in auth) {
      const user = env[auth.basic.usernameEnv] ?? '';
      const pass = env[auth.basic.passwordEnv] ?? '';
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
  }

  get url(): string {
    return this.base.toString();
  }

  /** Instant query at `time` (unix seconds). Scalars come back as one unlabelled sample. */
  async instant(query: string, time: number, signal?: AbortSignal): Promise<Sample[]> {
    const data = await this.call('api/v1/query', { query, time: String(time) }, signal);
    if (data.resultType === 'vector') {
      return data.result.map((r) => ({ labels: r.metric, t: r.value[0], v: Number(r.value[1]) }));
    }
    if (data.resultType === 'scalar') return [{ labels: {}, t: data.result[0], v: Number(data.result[1]) }];
    throw new PrometheusError('query', `expected a vector from an instant query, got ${data.resultType}`);
  }

  /** Range query from start to end (unix seconds) every step seconds. */
  async range(query: string, start: number, end: number, step: number, signal?: AbortSignal): Promise<Series[]> {
    const data = await this.call(
      'api/v1/query_range',
      { query, start: String(start), end: String(end), step: String(step) },
      signal,
    );
    if (data.resultType !== 'matrix') {
      throw new PrometheusError('query', `expected a matrix from a range query, got ${data.resultType}`);
    }
    return data.result.map((r) => ({ labels: r.metric, points: r.values.map(([t, v]) => ({ t, v: Number(v) })) }));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async call(path: string, params: Record<string, string>, outer?: AbortSignal) {
    // AbortSignal.timeout is a real deadline; undici's own timeouts can fire late (STACK-NOTES).
    const deadline = AbortSignal.timeout(this.cfg.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    let status: number;
    let text: string;
    try {
      const res = await request(new URL(path, this.base), {
        method: 'POST',
        dispatcher: this.agent,
        headers: this.headers,
        body: new URLSearchParams(params).toString(),
        signal,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (deadline.aborted) {
        throw new PrometheusError('timeout', `no answer from ${this.base.origin} within ${this.cfg.timeoutMs} ms`);
      }
      // The caller gave up (the diagnosis' overall time budget): not a sign that Prometheus is down.
      if (outer?.aborted) throw new PrometheusError('timeout', `stopped waiting for ${this.base.origin}: time budget used up`);
      throw new PrometheusError('unreachable', `cannot reach ${this.base.origin}: ${describeNetworkError(err)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PrometheusError('http', `HTTP ${status} from ${this.base.origin}: ${text.slice(0, 200)}`, status);
    }
    const parsed = apiResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new PrometheusError('http', `HTTP ${status} from ${this.base.origin}: not a Prometheus API response`, status);
    }
    if (parsed.data.status === 'error') {
      // 400/422 with errorType bad_data/execution is a PromQL problem; 5xx/503 is the server's.
      const kind = status >= 500 ? 'http' : 'query';
      throw new PrometheusError(kind, `${parsed.data.errorType}: ${parsed.data.error}`, status);
    }
    return parsed.data.data;
  }
}

function describeNetworkError(err: unknown): string {
  if (err instanceof undiciErrors.UndiciError) return `${err.code} ${err.message}`;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = (err as Error & { cause?: NodeJS.ErrnoException }).cause;
    return cause?.code ?? code ?? err.message;
  }
  return String(err);
}
