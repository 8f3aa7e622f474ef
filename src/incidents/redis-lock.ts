import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * A short mutual-exclusion lease in Redis, so that several worker processes never apply two changes to
 * one group (or deliver one thread) at the same time. The lease expires on its own if its holder dies;
 * a long holder keeps it alive with a heartbeat.
 */
export class RedisLock {
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    private readonly redis: Redis | Cluster,
    readonly key: string,
    private readonly token: string,
    private readonly ttlMs: number,
  ) {}

  static async acquire(redis: Redis | Cluster, key: string, ttlMs: number): Promise<RedisLock | undefined> {
    const token = randomUUID();
    const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? new RedisLock(redis, key, token, ttlMs) : undefined;
  }

  /** Waits for a short lease: for critical sections of a few milliseconds, where waiting is cheap. */
  static async waitFor(redis: Redis | Cluster, key: string, ttlMs: number): Promise<RedisLock> {
    for (let i = 0; ; i++) {
      const lock = await RedisLock.acquire(redis, key, ttlMs);
      if (lock !== undefined) return lock;
      await new Promise((r) => setTimeout(r, Math.min(100, 5 + i * 5) + Math.random() * 10));
    }
  }

  /** Keeps the lease alive until release(); for work that waits on Slack's pacing. */
  keepAlive(): this {
    this.heartbeat ??= setInterval(() => {
      this.redis.eval(EXTEND, 1, this.key, this.token, String(this.ttlMs)).catch(() => undefined);
    }, Math.max(200, Math.floor(this.ttlMs / 3)));
    this.heartbeat.unref();
    return this;
  }

  async release(): Promise<void> {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}
