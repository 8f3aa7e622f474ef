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
local first = ARGV[2] == 'first'
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if not first and redis.call('ZCARD', KEYS[2]) > 0 then return interval end
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextAt > now then
  if first then
    redis.call('ZADD', KEYS[2], now + 30000, ARGV[3])
    redis.call('PEXPIRE', KEYS[2], 60000)
  end
  return nextAt - now
end
redis.call('SET', KEYS[1], now + interval, 'PX', interval + 60000)
if first then redis.call('ZREM', KEYS[2], ARGV[3]) end
return 0`;

const HOLD_OFF = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextAt = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], nextAt, 'PX', nextAt - now + 60000)
return nextAt - now`;

export class RedisChannelPacer {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** A little over Slack's one message per second per channel, for clock and network jitter. */
    readonly intervalMs = 1050,
  ) {}

  /**
   * Resolves when this caller may post one message into `channel`. `first` messages (thread parents)
   * go before `later` ones (replies) waiting for the same channel: in a storm every incident shows up
   * (with its verdict, edited in) before the details of any. A parent's claim to go first expires on its
   * own if its worker dies, so replies are never held back for good.
   */
  async acquire(channel: string, order: 'first' | 'later' = 'later', whileWaiting?: () => Promise<void>): Promise<void> {
    const token = order === 'first' ? randomUUID() : '';
    for (;;) {
      const wait = Number(
        await this.redis.eval(RESERVE, 2, this.key(channel), `${this.key(channel)}:first`, String(this.intervalMs), order, token),
      );
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
