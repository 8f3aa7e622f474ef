import type { Cluster, Redis } from 'ioredis';
import { queryListSchema, type QueryList } from '../diagnosis/evidence/query-summary.js';

/** How long "Show queries" can answer for a diagnosis: about a week of threads people scroll back to. */
export const QUERY_RECORD_TTL_SECONDS = 7 * 24 * 3600;
/** A stored list never exceeds this (queries are dropped from the end, and counted as omitted). */
const MAX_RECORD_BYTES = 192 * 1024;

/**
 * The queries behind each diagnosis, kept in Redis under the diagnosis' id (a why-slow job id, or an
 * alert group's triage), so that a button pressed hours later, on any replica, can list them.
 */
export class QueryRecordStore {
  private readonly p: string;
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis | Cluster,
    opts: { prefix: string; ttlSeconds?: number },
  ) {
    this.p = `${opts.prefix}:queries`;
    this.ttlSeconds = opts.ttlSeconds ?? QUERY_RECORD_TTL_SECONDS;
  }

  async save(id: string, list: QueryList): Promise<void> {
    let kept = list;
    let json = JSON.stringify(kept);
    while (Buffer.byteLength(json) > MAX_RECORD_BYTES && kept.queries.length > 0) {
      const n = Math.max(1, Math.floor(kept.queries.length / 4));
      kept = { ...kept, queries: kept.queries.slice(0, -n), omitted: kept.omitted + n };
      json = JSON.stringify(kept);
    }
    await this.redis.set(`${this.p}:${id}`, json, 'EX', this.ttlSeconds);
  }

  /** undefined when the record expired (or never existed). */
  async load(id: string): Promise<QueryList | undefined> {
    const raw = await this.redis.get(`${this.p}:${id}`);
    if (raw === null) return undefined;
    const parsed = queryListSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }
}

/** The id under which an alert group's triage keeps its queries. */
export const triageQueriesId = (gid: string, incarnation: number, triageId: number): string => `${gid}-${incarnation}-t${triageId}`;
