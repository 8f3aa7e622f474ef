import { collectorsResult, errorMessage, MemberCollector, resolveLimits } from './collect.js';
import { describeHttpError, envValue, httpGet, LazyAgent } from './http.js';
import { LineMatcher } from './scan/line-match.js';
import type { LogSourceConfig } from '../../config/schema.js';
import type { LogFetchQuery, LogFetchResult, LogSource, LogSourceError } from './types.js';

export type KubernetesLogSourceConfig = Extract<LogSourceConfig, { type: 'kubernetes' }>;

export interface KubernetesSourceOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** Extra seconds asked for before the window: the API counts sinceSeconds from its own clock. */
const SINCE_SLACK_SECONDS = 30;
/** Longest line kept across HTTP chunks. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The pod-log API: GET /api/v1/namespaces/{ns}/pods/{pod}/log?container=etcd&sinceSeconds=…&timestamps=true
 * &limitBytes=…, one request per member, streamed through the same pre-filter as files. Lines come
 * with an RFC 3339 timestamp prefix (timestamps=true) and no CRI prefix.
 */
export class KubernetesLogSource implements LogSource {
  readonly name: string;
  readonly members: readonly string[];
  private readonly agent: LazyAgent;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;

  constructor(
    private readonly cfg: KubernetesLogSourceConfig,
    opts: KubernetesSourceOptions = {},
  ) {
    this.name = `kubernetes ${cfg.apiUrl} ${cfg.namespace}`;
    this.members = Object.keys(cfg.pods);
    this.agent = new LazyAgent(cfg.caFile, Math.max(1, Math.min(8, this.members.length)));
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? Date.now;
  }

  async fetch(q: LogFetchQuery): Promise<LogFetchResult> {
    const limits = resolveLimits(q);
    const collectors = this.members.map((m) => new MemberCollector(this.name, m, q, limits));
    const errors: LogSourceError[] = [];
    let headers: Record<string, string>;
    try {
      headers = { accept: 'text/plain, */*' };
      if (this.cfg.tokenEnv) headers['authorization'] = `Bearer ${envValue(this.env, this.cfg.tokenEnv, this.name)}`;
    } catch (err) {
      return collectorsResult(collectors, [{ source: this.name, member: null, message: errorMessage(err) }]);
    }
    await Promise.all(
      collectors.map(async (c) => {
        try {
          await this.fetchPod(c, this.cfg.pods[c.member]!, headers, q);
        } catch (err) {
          if (q.signal.aborted) c.truncate('deadline', `deadline reached after ${c.stats.bytesRead} bytes`);
          else errors.push({ source: this.name, member: c.member, message: errorMessage(err) });
        }
      }),
    );
    return collectorsResult(collectors, errors);
  }

  logUrl(pod: string, q: LogFetchQuery, limitBytes: number): URL {
    const base = this.cfg.apiUrl.replace(/\/+$/, '');
    const url = new URL(
      `${base}/api/v1/namespaces/${encodeURIComponent(this.cfg.namespace)}/pods/${encodeURIComponent(pod)}/log`,
    );
    const since = Math.max(1, Math.ceil((this.now() - q.start) / 1000) + SINCE_SLACK_SECONDS);
    url.searchParams.set('container', this.cfg.container);
    url.searchParams.set('sinceSeconds', String(since));
    url.searchParams.set('timestamps', 'true');
    url.searchParams.set('limitBytes', String(limitBytes));
    return url;
  }

  private async fetchPod(c: MemberCollector, pod: string, headers: Record<string, string>, q: LogFetchQuery): Promise<void> {
    const agent = await this.agent.get();
    const limitBytes = Math.max(1, Math.floor(c.limits.maxBytes));
    const res = await httpGet(this.logUrl(pod, q, limitBytes), agent, headers, q.signal);
    if (res.statusCode !== 200) throw new Error(`pod ${pod}: ${await describeHttpError(res)}`);

    // The API serves container lines with a timestamp prefix and never the CRI prefix.
    const matcher = new LineMatcher(q.kinds, false, false);
    let carry: Buffer = Buffer.alloc(0);
    let stop = false;
    const scan = (buf: Buffer, to: number): void => {
      c.stats.linesRead += matcher.scan(buf, 0, to, (s, e) => {
        if (c.acceptLine(buf.toString('utf8', s, e)) !== 'continue') {
          stop = true;
          return false;
        }
        return true;
      });
    };
    try {
      for await (const chunk of res.body) {
        const data = chunk as Buffer;
        c.stats.bytesRead += data.length;
        const buf = carry.length === 0 ? data : Buffer.concat([carry, data]);
        const lastNl = buf.lastIndexOf(0x0a);
        if (lastNl >= 0) scan(buf, lastNl + 1);
        carry = lastNl >= 0 ? buf.subarray(lastNl + 1) : buf;
        if (carry.length > MAX_LINE_BYTES) {
          c.stats.linesUnparsed++;
          carry = Buffer.alloc(0);
        }
        if (stop) return;
        if (c.stats.linesRead >= c.limits.maxLines) {
          c.truncate('lines', `line cap of ${c.limits.maxLines} lines reached`);
          return;
        }
      }
      if (carry.length > 0 && !stop) scan(carry, carry.length);
      if (c.stats.bytesRead >= limitBytes) c.truncate('bytes', `the API stopped at limitBytes=${limitBytes}`);
    } finally {
      res.body.destroy();
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
