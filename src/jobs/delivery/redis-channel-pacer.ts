import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';

/**
 * Per-channel pacing shared by every worker process through Redis: a slot is reserved atomically
 * against Redis' own clock, so two processes never post into one channel within `intervalMs` of each
 * other, and a 429 on one channel holds back only that channel, everywhere.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local order = ARGV[2]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local function waiting(set, ms)
  redis.call('ZADD', set, now + 30000, ARGV[3])
  redis.call('PEXPIRE', set, 60000)
  return ms
end
if order == 'later' and redis.call('ZCARD', KEYS[2]) > 0 then return waiting(KEYS[3], interval) end
if order == 'last' and redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) > 0 then return interval end
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextAt > now then
  if order == 'first' then return waiting(KEYS[2], nextAt - now) end
  if order == 'later' then return waiting(KEYS[3], nextAt - now) end
  return nextAt - now
end
redis.call('SET', KEYS[1], now + interval, 'PX', interval + 60000)
if order == 'first' then redis.call('ZREM', KEYS[2], ARGV[3]) end
if order == 'later' then redis.call('ZREM', KEYS[3], ARGV[3]) end
return 0`;

const HOLD_OFF = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextAt = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], nextAt, 'PX', nextAt - now + 60000)
return nextAt - now`;

/** Who goes first among callers waiting for one channel: parents, then replies, then charts. */
export type PaceOrder = 'first' | 'later' | 'last';

export class RedisChannelPacer {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** A little over Slack's one message per second per channel, for clock and network jitter. */
    readonly intervalMs = 1050,
  ) {}

  /**
   * Resolves when this caller may post one message into `channel`. Callers waiting for the same channel
   * go in three tiers: `first` (thread parents) before `later` (replies) before `last` (charts). In a
   * storm every incident shows up (with its verdict, edited in) before the details of any, and every
   * verdict's text before any picture: a chart never delays a verdict. A waiter's claim to go earlier
   * expires on its own if its worker dies, so later tiers are never held back for good.
   */
  async acquire(channel: string, order: PaceOrder = 'later', whileWaiting?: () => Promise<void>): Promise<void> {
    const token = randomUUID();
    const key = this.key(channel);
    for (;;) {
      const wait = Number(await this.redis.eval(RESERVE, 3, key, `${key}:first`, `${key}:later`, String(this.intervalMs), order, token));
      if (wait <= 0) return;
      if (whileWaiting !== undefined) await whileWaiting();
      // Spread the retries so waiting callers do not all ask at the same millisecond.
      await sleep(Math.min(wait, this.intervalMs) + Math.random() * 25);
    }
  }

  /** Nobody posts into `channel` for `ms` (Slack answered 429 with Retry-After). */
  async holdOff(channel: string, ms: number): Promise<void> {
    await this.redis.eval(HOLD_OFF, 1, this.key(channel), String(Math.ceil(ms)));
  }

  private key(channel: string): string {
    return `${this.prefix}:pace:${channel}`;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
