import { readFileSync } from 'node:fs';
import { Agent, request, errors as undiciErrors } from 'undici';
import type { PrometheusConfig } from '../../config/schema.js';
import { PrometheusError } from './errors.js';
import { resolveExtraHeaders } from '../extra-headers.js';
import { readAtMost } from '../read-at-most.js';
import { formatBytes } from '../../text/units.js';
import { apiResponseSchema, type Sample, type Series } from './types.js';

/**
 * A small client for the Prometheus HTTP API (also Thanos, Mimir, Cortex, VictoriaMetrics): one bounded
 * connection pool per origin, a hard deadline per query; auth, extra headers (tenant), CA and client
 * certificate, path prefix (in the URL) and extra query parameters (Thanos dedup, partial_response) from config.
 */
export class PrometheusClient {
  private readonly agent: Agent;
  private readonly base: URL;
  /** Headers and parameters for every request; a config problem (a variable not set, a certificate
   * that cannot be read) is kept here and reported by every query, so the diagnosis names it. */
  private readonly setup: { headers: Record<string, string>; params: Record<string, string> } | { problem: string };

  constructor(
    private readonly cfg: PrometheusConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.base = new URL(cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`);
    let tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
    try {
      tls = readTlsFiles(cfg);
      this.setup = { headers: requestHeaders(cfg, env), params: requestParams(cfg) };
    } catch (err) {
      this.setup = { problem: err instanceof Error ? err.message : String(err) };
    }
    this.agent = new Agent({ connections: cfg.maxConnections, connect: tls });
  }

  get url(): string {
    return this.base.toString();
  }

  /** Instant query at `time` (unix seconds). Scalars come back as one unlabelled sample. */
  async instant(query: string, time: number, signal?: AbortSignal): Promise<Sample[]> {
    return (await this.instantAnswer(query, time, signal)).result;
  }

  /** Range query from start to end (unix seconds) every step seconds. */
  async range(query: string, start: number, end: number, step: number, signal?: AbortSignal): Promise<Series[]> {
    return (await this.rangeAnswer(query, start, end, step, signal)).result;
  }

  /** As `instant`, with the server's warnings (a Thanos partial response says so there). */
  async instantAnswer(query: string, time: number, signal?: AbortSignal): Promise<Answer<Sample[]>> {
    const { data, warnings } = await this.call('api/v1/query', { query, time: String(time) }, signal);
    if (data.resultType === 'vector') {
      return { result: data.result.map((r) => ({ labels: r.metric, t: r.value[0], v: Number(r.value[1]) })), warnings };
    }
    if (data.resultType === 'scalar') return { result: [{ labels: {}, t: data.result[0], v: Number(data.result[1]) }], warnings };
    throw new PrometheusError('query', `expected a vector from an instant query, got ${data.resultType}`);
  }

  /** As `range`, with the server's warnings. */
  async rangeAnswer(query: string, start: number, end: number, step: number, signal?: AbortSignal): Promise<Answer<Series[]>> {
    const { data, warnings } = await this.call(
      'api/v1/query_range',
      { query, start: String(start), end: String(end), step: String(step) },
      signal,
    );
    if (data.resultType !== 'matrix') {
      throw new PrometheusError('query', `expected a matrix from a range query, got ${data.resultType}`);
    }
    const result = data.result.map((r) => ({ labels: r.metric, points: r.values.map(([t, v]) => ({ t, v: Number(v) })) }));
    return { result, warnings };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * A server that requires a client certificate refuses a missing or untrusted one with a TLS alert that
   * reaches undici only as "other side closed", before any byte of an answer: say what that usually means.
   */
  private tlsHint(err: unknown): string {
    if (this.base.protocol !== 'https:' || !(err instanceof undiciErrors.SocketError)) return '';
    if (err.socket?.bytesRead !== 0) return '';
    const mine = this.cfg.certFile ? `the client certificate ${this.cfg.certFile} was not accepted` : 'no client certificate is configured (certFile, keyFile)';
    return ` (the server closed the TLS connection before answering, as servers that require a client certificate do; ${mine})`;
  }

  private async call(path: string, params: Record<string, string>, outer?: AbortSignal) {
    if ('problem' in this.setup) throw new PrometheusError('config', this.setup.problem);
    // AbortSignal.timeout is a real deadline; undici's own timeouts can fire late (STACK-NOTES).
    const deadline = AbortSignal.timeout(this.cfg.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    let status: number;
    let text: string;
    try {
      const res = await request(new URL(path, this.base), {
        method: 'POST',
        dispatcher: this.agent,
        headers: this.setup.headers,
        body: new URLSearchParams({ ...this.setup.params, ...params }).toString(),
        signal,
      });
      status = res.statusCode;
      const body = await readAtMost(res, this.cfg.maxResponseBytes);
      if (!body.complete) {
        throw new PrometheusError(
          'query',
          `the answer from ${this.base.origin} is larger than ${formatBytes(this.cfg.maxResponseBytes)} (maxResponseBytes), far more than a few series per etcd member: does the cluster's selector match other targets too?`,
          status,
        );
      }
      text = body.bytes.toString('utf8');
    } catch (err) {
      if (err instanceof PrometheusError) throw err;
      if (deadline.aborted) {
        throw new PrometheusError('timeout', `no answer from ${this.base.origin} within ${this.cfg.timeoutMs} ms`);
      }
      // The caller gave up (the diagnosis' overall time budget): not a sign that Prometheus is down.
      if (outer?.aborted) throw new PrometheusError('timeout', `stopped waiting for ${this.base.origin}: time budget used up`);
      throw new PrometheusError('unreachable', `cannot reach ${this.base.origin}: ${describeNetworkError(err)}${this.tlsHint(err)}`);
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
    const warnings = [...(parsed.data.warnings ?? [])];
    // VictoriaMetrics' cluster version marks an answer with a vmstorage node missing this way.
    if (parsed.data.isPartial === true) warnings.push('the server marked the answer as partial (isPartial)');
    return { data: parsed.data.data, warnings };
  }
}

export interface Answer<T> {
  result: T;
  /** What the server said about the answer, e.g. a Thanos store that did not answer. */
  warnings: string[];
}

function readTlsFiles(cfg: PrometheusConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  const read = (what: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new Error(`cannot read the ${what} ${file}: ${code}`);
    }
  };
  const tls = { ca: read('CA file (caFile)', cfg.caFile), cert: read('client certificate (certFile)', cfg.certFile), key: read('client key (keyFile)', cfg.keyFile) };
  return tls.ca || tls.cert ? tls : undefined;
}

function requestHeaders(cfg: PrometheusConfig, env: NodeJS.ProcessEnv): Record<string, string> {
  const readEnv = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`environment variable ${name} is not set (named in the prometheus config)`);
    return v;
  };
  const headers: Record<string, string> = {
    ...resolveExtraHeaders(cfg.headers, readEnv),
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const auth = cfg.auth;
  if (auth && 'bearerTokenEnv' in auth) {
    headers.authorization = `Bearer ${readEnv(auth.bearerTokenEnv)}`;
  } else if (auth && 'basic' in auth) {
    const user = readEnv(auth.basic.usernameEnv);
    const pass = readEnv(auth.basic.passwordEnv);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return headers;
}

function requestParams(cfg: PrometheusConfig): Record<string, string> {
  if (!cfg.thanos) return { ...cfg.queryParams };
  return { ...cfg.queryParams, dedup: String(cfg.thanos.dedup), partial_response: String(cfg.thanos.partialResponse) };
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

