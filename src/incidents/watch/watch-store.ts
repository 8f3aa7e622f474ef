import { z } from 'zod';
import type { Cluster, Redis } from 'ioredis';
import type { WatchEvaluation } from '../../diagnosis/onset/types.js';
import { QUIET, transition, type Transition, type Warning, type WatchSettingsView, type WatchState } from './watch-transition.js';
import { RedisLock } from '../redis-lock.js';

/**
 * The watch's state in Redis, so that it survives restarts and is shared by every worker: per cluster
 * the warning state machine and a short ring of the last evaluations (what status shows); per warning
 * its record, an outbox of what its thread must say (in order), and the thread's delivery progress.
 *
 * A transition is applied under a per-cluster lease and written in one MULTI with everything it implies,
 * so a worker killed between evaluating and recording leaves either nothing (the retry applies it) or
 * all of it (the retry finds the tick applied and only finishes the delivery).
 */

/** Evaluations kept per cluster. */
export const EVALUATION_RING = 10;

export type OutboxItem =
  | { kind: 'opened'; at: string }
  | { kind: 'changed'; at: string; added: { kind: string; member: string | null; summary: string }[]; worse: boolean; ratio: number; previousRatio: number }
  | { kind: 'recovered'; at: string; durationMs: number }
  | { kind: 'alert-linked'; at: string; permalink: string | null; alertnames: string[] };

const outboxSchema = z.custom<OutboxItem>((v) => typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string');

/** Delivery progress of a warning's thread (a Redis hash; every field optional until it happens). */
export interface WatchThread {
  parentTs?: string;
  /** Set (unix ms) just before the parent is posted: without parentTs, an attempt may have posted it. */
  parentPostingAt?: number;
  parentHash?: string;
  /** Outbox items posted as replies. */
  posted: number;
  /** Set (unix ms) just before outbox[replyPostingIndex] is posted: with posted still there, it may have been. */
  replyPostingAt?: number;
  replyPostingIndex?: number;
  chartsPosted: number;
  /** Set (unix ms) just before chart number chartPostingIndex is uploaded: with chartsPosted still there, it may have been. */
  chartPostingAt?: number;
  chartPostingIndex?: number;
  /** The charts are all in the thread (or were found not drawable). */
  chartsDone?: boolean;
  /** JSON of the full diagnosis run when the warning opened. */
  diagnosis?: string;
  queriesId?: string;
  /** Alert groups of the cluster firing when the warning opened. */
  alertsAtOpen?: number;
  /** The alert thread linked to this warning, if an alert fired while it was open. */
  alertLink?: string;
}

export class WatchStore {
  private readonly p: string;

  constructor(
    readonly redis: Redis | Cluster,
    prefix: string,
  ) {
    this.p = `${prefix}:watch`;
  }

  /**
   * Applies one evaluation of one tick. Returns what changed; a tick applied before returns applied
   * false and writes nothing.
   */
  async apply(cluster: string, ev: WatchEvaluation, tick: number, settings: WatchSettingsView & { rememberSeconds: number }): Promise<Transition> {
    const lock = await RedisLock.waitFor(this.redis, `${this.p}:lock:${cluster}`, 10_000);
    try {
      const prev = await this.state(cluster);
      const t = transition(prev, ev, cluster, tick, settings);
      if (!t.applied) return t;
      const ttl = settings.rememberSeconds;
      const m = this.redis.multi();
      m.set(this.stateKey(cluster), JSON.stringify(t.next), 'EX', ttl);
      m.lpush(this.evalsKey(cluster), JSON.stringify(ev));
      m.ltrim(this.evalsKey(cluster), 0, EVALUATION_RING - 1);
      m.expire(this.evalsKey(cluster), ttl);
      for (const a of t.actions) {
        m.set(this.warningKey(a.warning.id), JSON.stringify(a.warning), 'EX', ttl);
        const item: OutboxItem =
          a.kind === 'opened'
            ? { kind: 'opened', at: ev.at }
            : a.kind === 'changed'
              ? { kind: 'changed', at: ev.at, added: a.added, worse: a.worse, ratio: a.ratio, previousRatio: prev.warning?.reportedRatio ?? 0 }
              : { kind: 'recovered', at: ev.at, durationMs: a.durationMs };
        m.rpush(this.outboxKey(a.warning.id), JSON.stringify(item));
        m.expire(this.outboxKey(a.warning.id), ttl);
        m.expire(this.threadKey(a.warning.id), ttl);
      }
      // The open warning's record follows every change of it (current causes, ratios), not just actions.
      if (t.next.warning !== undefined) m.set(this.warningKey(t.next.warning.id), JSON.stringify(t.next.warning), 'EX', ttl);
      await execOrThrow(m, 'record the watch evaluation');
      return t;
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  async state(cluster: string): Promise<WatchState> {
    const raw = await this.redis.get(this.stateKey(cluster));
    return raw === null ? QUIET : (JSON.parse(raw) as WatchState);
  }

  /** Newest first. */
  async evaluations(cluster: string, n = EVALUATION_RING): Promise<WatchEvaluation[]> {
    const raw = await this.redis.lrange(this.evalsKey(cluster), 0, n - 1);
    return raw.map((r) => JSON.parse(r) as WatchEvaluation);
  }

  async lastEvaluations(clusters: readonly string[]): Promise<Map<string, WatchEvaluation>> {
    const out = new Map<string, WatchEvaluation>();
    if (clusters.length === 0) return out;
    const p = this.redis.pipeline();
    for (const c of clusters) p.lindex(this.evalsKey(c), 0);
    const res = (await p.exec()) ?? [];
    clusters.forEach((c, i) => {
      const v = res[i]?.[1];
      if (typeof v === 'string') out.set(c, JSON.parse(v) as WatchEvaluation);
    });
    return out;
  }

  async warning(id: string): Promise<Warning | undefined> {
    const raw = await this.redis.get(this.warningKey(id));
    return raw === null ? undefined : (JSON.parse(raw) as Warning);
  }

  async outbox(id: string): Promise<OutboxItem[]> {
    const raw = await this.redis.lrange(this.outboxKey(id), 0, -1);
    return raw.map((r) => outboxSchema.parse(JSON.parse(r)));
  }

  /** Adds a reply to a warning's thread outside the state machine (an alert that fired meanwhile). */
  async addToOutbox(id: string, item: OutboxItem, ttlSeconds: number): Promise<void> {
    await execOrThrow(this.redis.multi().rpush(this.outboxKey(id), JSON.stringify(item)).expire(this.outboxKey(id), ttlSeconds), 'queue a watch thread reply');
  }

  async thread(id: string): Promise<WatchThread> {
    const h = await this.redis.hgetall(this.threadKey(id));
    const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
    return {
      ...(h['parentTs'] === undefined ? {} : { parentTs: h['parentTs'] }),
      ...(h['parentPostingAt'] === undefined ? {} : { parentPostingAt: num(h['parentPostingAt'])! }),
      ...(h['parentHash'] === undefined ? {} : { parentHash: h['parentHash'] }),
      posted: num(h['posted']) ?? 0,
      ...(h['replyPostingAt'] === undefined ? {} : { replyPostingAt: num(h['replyPostingAt'])!, replyPostingIndex: num(h['replyPostingIndex'])! }),
      chartsPosted: num(h['chartsPosted']) ?? 0,
      ...(h['chartPostingAt'] === undefined ? {} : { chartPostingAt: num(h['chartPostingAt'])!, chartPostingIndex: num(h['chartPostingIndex'])! }),
      ...(h['chartsDone'] === undefined ? {} : { chartsDone: h['chartsDone'] === 'true' }),
      ...(h['diagnosis'] === undefined ? {} : { diagnosis: h['diagnosis'] }),
      ...(h['queriesId'] === undefined ? {} : { queriesId: h['queriesId'] }),
      ...(h['alertsAtOpen'] === undefined ? {} : { alertsAtOpen: num(h['alertsAtOpen'])! }),
      ...(h['alertLink'] === undefined ? {} : { alertLink: h['alertLink'] }),
    };
  }

  async saveThread(id: string, patch: Partial<WatchThread>, ttlSeconds: number): Promise<void> {
    const fields = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    if (Object.keys(fields).length === 0) return;
    await execOrThrow(this.redis.multi().hset(this.threadKey(id), fields).expire(this.threadKey(id), ttlSeconds), 'save the watch thread progress');
  }

  /** Evidence of the diagnosis, kept a while for the thread's charts (a retried delivery draws them too). */
  async saveEvidence(id: string, json: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(`${this.p}:evidence:${id}`, json, 'EX', ttlSeconds);
  }

  async evidence(id: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.p}:evidence:${id}`)) ?? undefined;
  }

  /** A one-time claim (true for the first caller only), kept for `ttlSeconds`. */
  async claim(name: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`${this.p}:once:${name}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  /** One worker per thread at a time; undefined when another holds it. */
  lockThread(id: string): Promise<RedisLock | undefined> {
    return RedisLock.acquire(this.redis, `${this.p}:thread-lock:${id}`, 30_000);
  }

  private stateKey(cluster: string): string {
    return `${this.p}:state:${cluster}`;
  }
  private evalsKey(cluster: string): string {
    return `${this.p}:evals:${cluster}`;
  }
  private warningKey(id: string): string {
    return `${this.p}:warning:${id}`;
  }
  private outboxKey(id: string): string {
    return `${this.p}:outbox:${id}`;
  }
  private threadKey(id: string): string {
    return `${this.p}:thread:${id}`;
  }
}

async function execOrThrow(m: ReturnType<Redis['multi']> | ReturnType<Cluster['multi']>, what: string): Promise<void> {
  const res = await m.exec();
  const failed = res?.find(([err]) => err !== null);
  if (res === null || failed !== undefined) throw new Error(`could not ${what}: ${String(failed?.[0] ?? 'aborted')}`);
}
