import type { Cluster, Redis } from 'ioredis';
import { incidentEventSchema, type IncidentEvent } from './events.js';
import { groupStateSchema, type GroupState } from './group-state.js';
import { RedisLock } from '../redis-lock.js';
import { z } from 'zod';
import { chartDataSchema } from '../../diagnosis/chart-series.js';

/** A thread reply as stored until delivered: the rendered message plus what delivery must know. */
export const storedReplySchema = z.object({
  kind: z.string(),
  text: z.string(),
  blocks: z.array(z.unknown()),
  /** For triage verdicts: when the alert arrived, to time "alert → verdict posted". */
  alertReceivedAt: z.number().optional(),
  /** kind "chart": the chart's data (drawn and uploaded at delivery), or why it could not be read. */
  chart: z.union([chartDataSchema, z.object({ id: z.string(), title: z.string(), error: z.string() })]).optional(),
});
export type StoredReply = z.infer<typeof storedReplySchema>;

/** What delivery has done for one thread. */
export interface ThreadProgress {
  parentTs?: string;
  /** Hash of the parent as last posted or edited: an edit is sent only when it would change something. */
  parentHash?: string;
  /** Replies posted, in order: the next to post is replies[posted]. */
  posted: number;
  /**
   * When delivery started posting the parent (unix ms), written before the post: with no parentTs it
   * means an attempt may have posted and died before recording the ts, so Slack is asked first.
   */
  parentPostingAt?: number;
  /**
   * The same for the reply message starting at replies[replyPostingIndex] and carrying
   * replyPostingCount of them, written before it is posted: with posted still at that index, an attempt
   * may have posted it and died before recording it, so the thread is asked first.
   */
  replyPostingAt?: number;
  replyPostingIndex?: number;
  replyPostingCount?: number;
}

/**
 * Alert groups in Redis. Keys live under `<prefix>:alerts:`; everything that must survive a restart
 * (group state, thread timestamps, replies not yet posted, the event history) is here and nowhere else.
 */
export class IncidentStore {
  private readonly p: string;
  private readonly historySeconds: number;

  constructor(
    readonly redis: Redis | Cluster,
    opts: { prefix: string; historyDays: number },
  ) {
    this.p = `${opts.prefix}:alerts`;
    this.historySeconds = opts.historyDays * 24 * 3600;
  }

  /** One change to a group at a time, across workers; group changes are a few ms of Redis work. */
  lockGroup(gid: string): Promise<RedisLock> {
    return RedisLock.waitFor(this.redis, `${this.p}:lock:${gid}`, 10_000);
  }

  lockThread(gid: string, incarnation: number): Promise<RedisLock | undefined> {
    return RedisLock.acquire(this.redis, `${this.p}:tlock:${gid}:${incarnation}`, 15_000);
  }

  async group(gid: string): Promise<GroupState | undefined> {
    const raw = await this.redis.get(`${this.p}:group:${gid}`);
    return raw === null ? undefined : groupStateSchema.parse(JSON.parse(raw));
  }

  /** Writes a group's new state, its new events and replies in one transaction. */
  async commit(g: GroupState, change: { events: IncidentEvent[]; replies: StoredReply[] }): Promise<void> {
    const m = this.redis.multi();
    m.set(`${this.p}:group:${g.gid}`, JSON.stringify(g), 'EX', this.historySeconds);
    if (change.events.length > 0) {
      m.rpush(`${this.p}:events:${g.gid}`, ...change.events.map((e) => JSON.stringify(e)));
      m.expire(`${this.p}:events:${g.gid}`, this.historySeconds);
    }
    if (change.replies.length > 0) {
      const key = this.repliesKey(g.gid, g.incarnation);
      m.rpush(key, ...change.replies.map((r) => JSON.stringify(r)));
      m.expire(key, this.historySeconds);
    }
    if (g.status === 'firing') m.sadd(`${this.p}:open`, g.gid);
    else m.srem(`${this.p}:open`, g.gid);
    m.zadd(`${this.p}:index`, Date.now(), g.gid);
    const res = await m.exec();
    const failed = res?.find(([err]) => err !== null);
    if (res === null || failed !== undefined) throw new Error(`could not store group ${g.gid}: ${String(failed?.[0] ?? 'aborted')}`);
  }

  async events(gid: string): Promise<IncidentEvent[]> {
    const raw = await this.redis.lrange(`${this.p}:events:${gid}`, 0, -1);
    return raw.map((r) => incidentEventSchema.parse(JSON.parse(r)));
  }

  /** Groups updated since `sinceMs`, newest first (for handoffs). */
  async groupsSince(sinceMs: number): Promise<string[]> {
    return this.redis.zrevrangebyscore(`${this.p}:index`, '+inf', sinceMs);
  }

  /** Groups touched since `sinceMs` with their history, newest first: what a shift handoff summarises. */
  async recent(sinceMs: number): Promise<Array<{ group: GroupState; events: IncidentEvent[] }>> {
    const out: Array<{ group: GroupState; events: IncidentEvent[] }> = [];
    for (const gid of await this.groupsSince(sinceMs)) {
      const group = await this.group(gid);
      if (group !== undefined) out.push({ group, events: await this.events(gid) });
    }
    return out;
  }

  openCount(): Promise<number> {
    return this.redis.scard(`${this.p}:open`);
  }

  async replies(gid: string, incarnation: number, from: number): Promise<StoredReply[]> {
    const raw = await this.redis.lrange(this.repliesKey(gid, incarnation), from, -1);
    return raw.map((r) => storedReplySchema.parse(JSON.parse(r)));
  }

  async repliesCount(gid: string, incarnation: number): Promise<number> {
    return this.redis.llen(this.repliesKey(gid, incarnation));
  }

  async thread(gid: string, incarnation: number): Promise<ThreadProgress> {
    const h = await this.redis.hgetall(this.threadKey(gid, incarnation));
    return {
      ...(h['parentTs'] === undefined ? {} : { parentTs: h['parentTs'] }),
      ...(h['parentHash'] === undefined ? {} : { parentHash: h['parentHash'] }),
      posted: Number(h['posted'] ?? 0),
      ...(h['parentPostingAt'] === undefined ? {} : { parentPostingAt: Number(h['parentPostingAt']) }),
      ...(h['replyPostingAt'] === undefined
        ? {}
        : { replyPostingAt: Number(h['replyPostingAt']), replyPostingIndex: Number(h['replyPostingIndex']), replyPostingCount: Number(h['replyPostingCount']) }),
    };
  }

  async saveThread(gid: string, incarnation: number, patch: Partial<ThreadProgress>): Promise<void> {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) fields[k] = String(v);
    const key = this.threadKey(gid, incarnation);
    await this.redis.multi().hset(key, fields).expire(key, this.historySeconds).exec();
  }

  private repliesKey(gid: string, incarnation: number): string {
    return `${this.p}:replies:${gid}:${incarnation}`;
  }

  private threadKey(gid: string, incarnation: number): string {
    return `${this.p}:thread:${gid}:${incarnation}`;
  }
}
