import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisChannelPacer } from '../../../src/jobs/delivery/redis-channel-pacer.js';
import { startRedis } from '../../support/redis.js';
import type { RunningProcess } from '../../support/processes.js';

/** The per-channel pacer shared through Redis, as two worker processes would use it (two connections). */
let redis: RunningProcess & { url: string };
let a: Redis;
let b: Redis;

beforeAll(async () => {
  redis = await startRedis();
  a = new Redis(redis.url);
  b = new Redis(redis.url);
});
afterAll(async () => {
  a?.disconnect();
  b?.disconnect();
  await redis?.stop();
});

describe('RedisChannelPacer', () => {
  it('spaces one channel across pacers by the interval, and leaves other channels alone', async () => {
    const p1 = new RedisChannelPacer(a, 'pt1', 200);
    const p2 = new RedisChannelPacer(b, 'pt1', 200);
    const times: number[] = [];
    const c1 = Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? p1 : p2).acquire('C1').then(() => times.push(Date.now()))));
    // Another channel gets its slot while C1's queue is still being worked through.
    let c2At = 0;
    await p1.acquire('C2').then(() => (c2At = Date.now()));
    await c1;
    times.sort((x, y) => x - y);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(190);
    expect(c2At).toBeLessThan(times.at(-1)!);
  });

  it('a hold-off (429 Retry-After) delays only its channel', async () => {
    const p = new RedisChannelPacer(a, 'pt2', 100);
    const t = Date.now();
    await p.holdOff('C1', 600);
    const order: string[] = [];
    await Promise.all([
      p.acquire('C1').then(() => order.push('C1')),
      p.acquire('C2').then(() => order.push('C2')),
    ]);
    expect(order).toEqual(['C2', 'C1']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(550);
  });

  it('thread parents waiting for a channel go before replies waiting for it', async () => {
    const p = new RedisChannelPacer(a, 'pt3', 150);
    const q = new RedisChannelPacer(b, 'pt3', 150);
    await p.acquire('C1');
    const order: string[] = [];
    const replies = Array.from({ length: 3 }, (_, i) => q.acquire('C1', 'later').then(() => order.push(`reply${i}`)));
    await new Promise((r) => setTimeout(r, 20));
    const parents = Array.from({ length: 3 }, (_, i) => p.acquire('C1', 'first').then(() => order.push(`parent${i}`)));
    await Promise.all([...replies, ...parents]);
    expect(order.slice(0, 3).every((x) => x.startsWith('parent'))).toBe(true);
  });

  it('charts waiting for a channel go after every parent and reply waiting for it', async () => {
    const p = new RedisChannelPacer(a, 'pt4', 600);
    const q = new RedisChannelPacer(b, 'pt4', 600);
    await p.acquire('C1');
    const order: string[] = [];
    // The charts ask first; replies and a parent that come later still go before them (the interval is
    // long next to the 20 ms between the askers, so a busy machine does not reorder them).
    const charts = Array.from({ length: 2 }, (_, i) => q.acquire('C1', 'last').then(() => order.push(`chart${i}`)));
    await new Promise((r) => setTimeout(r, 20));
    const replies = Array.from({ length: 2 }, (_, i) => p.acquire('C1', 'later').then(() => order.push(`reply${i}`)));
    await new Promise((r) => setTimeout(r, 20));
    const parent = q.acquire('C1', 'first').then(() => order.push('parent'));
    await Promise.all([...charts, ...replies, parent]);
    expect(order[0]).toBe('parent');
    expect(order.slice(1, 3).sort()).toEqual(['reply0', 'reply1']);
    expect(order.slice(3).sort()).toEqual(['chart0', 'chart1']);
  });
});
