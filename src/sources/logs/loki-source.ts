import { z } from 'zod';
import { collectorsResult, emptyStats, errorMessage, MemberCollector, resolveLimits } from './collect.js';
import { authHeader, describeHttpError, envValue, httpGet, LazyAgent } from './http.js';
import { resolveExtraHeaders } from '../extra-headers.js';
import { parseInnerLine } from './parse/parse-line.js';
import { unwrapEnvelope } from './parse/parse-envelope.js';
import { msToNanosecondsText, parseNanosecondsText } from './parse/parse-time.js';
import { candidateRegexSource } from './scan/prefilter.js';
import type { LogSourceConfig } from '../../config/schema.js';
import type { LogFetchQuery, LogFetchResult, LogSource, LogSourceError } from './types.js';

export type LokiLogSourceConfig = Extract<LogSourceConfig, { type: 'loki' }>;

export interface LokiSourceOptions {
  env?: NodeJS.ProcessEnv;
  /** Entries per request (Loki's `limit`). */
  pageSize?: number;
  /** Requests per fetch at most. */
  maxPages?: number;
}

/** Largest page asked for when many entries share one timestamp. */
const MAX_PAGE = 5000;

/** The query_range answer for a log query (resultType streams). */
const streamsResponseSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('streams'),
    result: z.array(
      z.object({
        stream: z.record(z.string(), z.string()),
        values: z.array(z.tuple([z.string().regex(/^\d+$/), z.string()])),
      }),
    ),
  }),
});

/**
 * Loki `GET /loki/api/v1/query_range`: the configured stream selector plus a `|~` line filter for the
 * messages the diagnosis uses, so Loki does the scanning and only candidate lines cross the network.
 * Newest first (direction=backward); when a page is full the next one ends where it stopped, so a capped
 * fetch keeps the most recent lines.
 */
export class LokiLogSource implements LogSource {
  readonly name: string;
  readonly members: readonly string[];
  private readonly agent: LazyAgent;
  private readonly env: NodeJS.ProcessEnv;
  private readonly pageSize: number;
  private readonly maxPages: number;

  constructor(
    private readonly cfg: LokiLogSourceConfig,
    opts: LokiSourceOptions = {},
  ) {
    this.name = `loki ${cfg.url} ${cfg.selector}`;
    this.members = cfg.members ? Object.keys(cfg.members) : [];
    this.agent = new LazyAgent(undefined, 2);
    this.env = opts.env ?? process.env;
    this.pageSize = opts.pageSize ?? 1000;
    this.maxPages = opts.maxPages ?? 20;
  }

  /** LogQL: selector + one regex line filter (a raw backtick string: no escaping of the regex needed). */
  query(q: LogFetchQuery): string {
    return `${this.cfg.selector} |~ \`${candidateRegexSource(q.kinds)}\``;
  }

  /**
   * The member a stream belongs to. `members` maps member label values to the stream label value
   * (like `pods` for Kubernetes); a value given the other way round is accepted too; without a map the
   * label value itself names the member.
   */
  memberOf(stream: Record<string, string>): string {
    const value = stream[this.cfg.memberLabel];
    if (value === undefined) return '(unknown)';
    const map = this.cfg.members;
    if (map) {
      for (const [member, labelValue] of Object.entries(map)) if (labelValue === value) return member;
      const direct = map[value];
      if (direct !== undefined && Object.hasOwn(map, value)) return direct;
    }
    return value;
  }

  async fetch(q: LogFetchQuery): Promise<LogFetchResult> {
    const limits = resolveLimits(q);
    const collectors = new Map<string, MemberCollector>();
    for (const m of this.members) collectors.set(m, new MemberCollector(this.name, m, q, limits));
    const collectorFor = (member: string): MemberCollector => {
      let c = collectors.get(member);
      if (!c) collectors.set(member, (c = new MemberCollector(this.name, member, q, limits)));
      return c;
    };
    const errors: LogSourceError[] = [];
    const truncations: string[] = [];
    let headers: Record<string, string>;
    try {
      headers = {
        ...resolveExtraHeaders(this.cfg.headers ?? {}, (name) => envValue(this.env, name, this.name)),
        accept: 'application/json',
        ...authHeader(this.cfg.auth, this.env, this.name),
      };
      if (this.cfg.tenantEnv) headers['x-scope-orgid'] = envValue(this.env, this.cfg.tenantEnv, this.name);
    } catch (err) {
      return collectorsResult([...collectors.values()], [{ source: this.name, member: null, message: errorMessage(err) }]);
    }

    let end = msToNanosecondsText(q.end + 1); // Loki's end is exclusive
    const start = msToNanosecondsText(q.start);
    let bytes = 0;
    let lines = 0;
    /** Entries at the page boundary, seen already: the next page repeats that nanosecond. */
    let boundarySeen = new Set<string>();
    let pageLimit = this.pageSize;
    try {
      const agent = await this.agent.get();
      for (let page = 0; ; page++) {
        if (page >= this.maxPages) {
          truncations.push(`stopped after ${this.maxPages} pages of ${this.pageSize}`);
          break;
        }
        const limit = Math.max(1, Math.min(pageLimit, limits.maxLines - lines));
        const url = new URL(`${this.cfg.url.replace(/\/+$/, '')}/loki/api/v1/query_range`);
        url.searchParams.set('query', this.query(q));
        url.searchParams.set('start', start);
        url.searchParams.set('end', end);
        url.searchParams.set('limit', String(limit));
        url.searchParams.set('direction', 'backward');
        const res = await httpGet(url, agent, headers, q.signal);
        if (res.statusCode !== 200) throw new Error(await describeHttpError(res));
        const text = await res.body.text();
        bytes += Buffer.byteLength(text);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new Error('query_range answered with something that is not JSON');
        }
        const parsed = streamsResponseSchema.safeParse(json);
        if (!parsed.success) throw new Error(`unexpected query_range answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);

        let count = 0;
        let fresh = 0;
        let oldest: bigint | null = null;
        const nextBoundary = new Set<string>();
        for (const s of parsed.data.data.result) {
          const c = collectorFor(this.memberOf(s.stream));
          const streamKey = JSON.stringify(s.stream);
          for (const [ns, line] of s.values) {
            count++;
            const t = BigInt(ns);
            const id = `${streamKey}\u0000${ns}\u0000${line}`;
            if (oldest === null || t < oldest) oldest = t;
            nextBoundary.add(id);
            if (boundarySeen.has(id)) continue;
            fresh++;
            c.stats.linesRead++;
            c.stats.bytesRead += Buffer.byteLength(line);
            lines++;
            this.accept(c, ns, line);
          }
        }
        if (count < limit || oldest === null) break;
        if (bytes >= limits.maxBytes) {
          truncations.push(`read cap of ${limits.maxBytes} bytes reached`);
          break;
        }
        if (lines >= limits.maxLines) {
          truncations.push(`line cap of ${limits.maxLines} lines reached`);
          break;
        }
        // Keep only the ids at the boundary nanosecond: the next page (end = oldest + 1) repeats them.
        const oldestText = oldest.toString();
        if (fresh === 0) {
          // A whole page inside one nanosecond, all seen: Loki cannot page inside a timestamp, so ask
          // again for a larger page; past MAX_PAGE, skip that nanosecond rather than loop forever.
          if (limit < MAX_PAGE && limit < limits.maxLines - lines) {
            pageLimit = Math.min(MAX_PAGE, limit * 2);
            continue;
          }
          truncations.push(`more than ${limit} lines at ${oldestText} ns; some were skipped`);
          boundarySeen = new Set();
          end = oldestText;
          pageLimit = this.pageSize;
        } else {
          pageLimit = this.pageSize;
          boundarySeen = new Set([...nextBoundary].filter((id) => id.split('\u0000')[1] === oldestText));
          end = (oldest + 1n).toString();
        }
        if (BigInt(end) <= BigInt(start)) break;
      }
    } catch (err) {
      if (q.signal.aborted) truncations.push('deadline reached');
      else errors.push({ source: this.name, member: null, message: errorMessage(err) });
    }
    const all = [...collectors.values()];
    const result = collectorsResult(all, errors);
    // A source-wide truncation concerns every member the source covers.
    for (const detail of truncations) {
      const reason = detail.startsWith('deadline')
        ? 'deadline'
        : detail.startsWith('stopped') || detail.startsWith('more than')
          ? 'pages'
          : detail.startsWith('read')
            ? 'bytes'
            : 'lines';
      for (const c of all.length > 0 ? all : [null]) {
        result.truncated.push({ source: this.name, member: c?.member ?? '(all)', reason, detail });
      }
    }
    for (const c of all) result.stats[c.member] ??= emptyStats();
    return result;
  }

  private accept(c: MemberCollector, ns: string, line: string): void {
    const u = unwrapEnvelope(line);
    if (u === null) {
      c.stats.linesUnparsed++;
      return;
    }
    // Shippers may strip the CRI prefix and timestamp: Loki's own entry time is the fallback.
    if (u.envelopeTime === null) {
      u.envelopeTime = parseNanosecondsText(ns);
      u.envelopeTimeText = ns;
    }
    const e = parseInnerLine(u, c.member);
    if (e === null) c.stats.linesUnparsed++;
    else c.acceptEvent(e);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
