import type { Cluster, Redis } from 'ioredis';
import { isAlertEvent, timelineEventSchema, type AlertTimelineEvent, type TimelineEvent } from './timeline-event.js';

/** Where events go; the jobs that record only need this. */
export interface TimelineSink {
  append(events: readonly TimelineEvent[]): Promise<void>;
}

export interface TimelineStoreOptions {
  prefix: string;
  retentionDays: number;
  maxEventsPerCluster: number;
  /** Clock, for tests of retention. */
  now?: () => number;
}

export interface TimelineRead {
  events: TimelineEvent[];
  /** Stored entries that no longer parse (written by another version); skipped, counted. */
  unreadable: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The incident timeline in Redis: one sorted set per cluster, scored by event time in ms, so a shift
 * is one ZRANGEBYSCORE and retention is one ZREMRANGEBYSCORE. Every append trims by age and by count,
 * and keys expire a retention period after their last write, so memory stays bounded even for a
 * cluster that is removed from the config.
 *
 * Alert groups still firing are also kept in a per-cluster hash: an incident that started before the
 * shift and is still open has no event inside the shift, but the handoff must list it.
 */
export class TimelineStore implements TimelineSink {
  private readonly p: string;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(
    readonly redis: Redis | Cluster,
    private readonly opts: TimelineStoreOptions,
  ) {
    this.p = `${opts.prefix}:timeline`;
    this.retentionMs = opts.retentionDays * DAY_MS;
    this.now = opts.now ?? Date.now;
  }

  get retentionSeconds(): number {
    return this.retentionMs / 1000;
  }

  async append(events: readonly TimelineEvent[]): Promise<void> {
    if (events.length === 0) return;
    const cutoff = this.now() - this.retentionMs;
    const m = this.redis.multi();
    const touched = new Set<string>();
    for (const e of events) {
      const score = Date.parse(e.at);
      if (!Number.isFinite(score)) throw new Error(`timeline event ${e.id} has no valid time (${e.at})`);
      m.zadd(this.eventsKey(e.cluster), score, JSON.stringify(e));
      touched.add(e.cluster);
      if (isAlertEvent(e)) {
        const field = `${e.gid}.${e.incarnation}`;
        if (e.kind === 'alert-resolved') m.hdel(this.openKey(e.cluster), field);
        else m.hset(this.openKey(e.cluster), field, JSON.stringify(e));
      }
    }
    for (const cluster of touched) {
      const key = this.eventsKey(cluster);
      m.zremrangebyscore(key, '-inf', `(${cutoff}`);
      // Keep the newest maxEventsPerCluster: rank 0 is the oldest.
      m.zremrangebyrank(key, 0, -(this.opts.maxEventsPerCluster + 1));
      m.pexpire(key, this.retentionMs);
      m.pexpire(this.openKey(cluster), this.retentionMs);
    }
    const res = await m.exec();
    const failed = res?.find(([err]) => err !== null);
    if (res === null || failed !== undefined) throw new Error(`could not append to the timeline: ${String(failed?.[0] ?? 'aborted')}`);
  }

  /** Drops a cluster's events older than the retention; appends do this too, reads call it before reading. */
  async trim(cluster: string): Promise<number> {
    return this.redis.zremrangebyscore(this.eventsKey(cluster), '-inf', `(${this.now() - this.retentionMs}`);
  }

  /** Events of one cluster with sinceMs ≤ time ≤ untilMs, oldest first, one per id (the last written wins). */
  async between(cluster: string, sinceMs: number, untilMs: number): Promise<TimelineRead> {
    await this.trim(cluster);
    const raw = await this.redis.zrangebyscore(this.eventsKey(cluster), sinceMs, untilMs);
    return parseEvents(raw);
  }

  /** Alert groups of a cluster that have fired and not resolved, each as its latest event. */
  async open(cluster: string): Promise<AlertTimelineEvent[]> {
    const raw = Object.values(await this.redis.hgetall(this.openKey(cluster)));
    return parseEvents(raw).events.filter(isAlertEvent);
  }

  /** When the last handoff was posted in a channel (ms), if within the retention. */
  async lastHandoff(channel: string): Promise<number | undefined> {
    const raw = await this.redis.get(this.lastHandoffKey(channel));
    const ms = raw === null ? Number.NaN : Number(raw);
    return Number.isFinite(ms) && ms >= this.now() - this.retentionMs ? ms : undefined;
  }

  async setLastHandoff(channel: string, untilMs: number): Promise<void> {
    await this.redis.set(this.lastHandoffKey(channel), String(untilMs), 'PX', this.retentionMs);
  }

  /**
   * Claims a one-time key (e.g. one scheduled tick) for the retention period and returns its owner:
   * the caller's own id when it got it first, or the id of whoever did.
   */
  async claimOnce(name: string, owner: string): Promise<string> {
    const key = `${this.p}:once:${name}`;
    const res = await this.redis.set(key, owner, 'PX', this.retentionMs, 'NX');
    if (res === 'OK') return owner;
    return (await this.redis.get(key)) ?? owner;
  }

  /** Stored permalinks: a message's permalink never changes, so each is asked of Slack once. */
  async permalinks(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const values = await this.redis.hmget(`${this.p}:permalinks`, ...keys);
    const out = new Map<string, string>();
    keys.forEach((k, i) => {
      const v = values[i];
      if (typeof v === 'string') out.set(k, v);
    });
    return out;
  }

  async savePermalinks(links: ReadonlyMap<string, string>): Promise<void> {
    if (links.size === 0) return;
    const key = `${this.p}:permalinks`;
    await this.redis.multi().hset(key, Object.fromEntries(links)).pexpire(key, this.retentionMs).exec();
  }

  count(cluster: string): Promise<number> {
    return this.redis.zcard(this.eventsKey(cluster));
  }

  private eventsKey(cluster: string): string {
    return `${this.p}:events:${cluster}`;
  }

  private openKey(cluster: string): string {
    return `${this.p}:open:${cluster}`;
  }

  private lastHandoffKey(channel: string): string {
    return `${this.opts.prefix}:handoff:last:${channel}`;
  }
}

function parseEvents(raw: readonly string[]): TimelineRead {
  const byId = new Map<string, TimelineEvent>();
  let unreadable = 0;
  for (const r of raw) {
    let json: unknown;
    try {
      json = JSON.parse(r);
    } catch {
      unreadable++;
      continue;
    }
    const parsed = timelineEventSchema.safeParse(json);
    if (!parsed.success) {
      unreadable++;
      continue;
    }
    // A retried job may have written the same event with a later time: keep one, the latest.
    byId.delete(parsed.data.id);
    byId.set(parsed.data.id, parsed.data);
  }
  return { events: [...byId.values()], unreadable };
}
