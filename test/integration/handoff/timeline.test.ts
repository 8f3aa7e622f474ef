import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { TimelineStore } from '../../../src/incidents/timeline/timeline-store.js';
import type { TimelineEvent } from '../../../src/incidents/timeline/timeline-event.js';
import { startRedis } from '../../support/redis.js';
import type { RunningProcess } from '../../support/processes.js';

/** The timeline in a real Redis: retention by age, a bound on count, one event per id, the open set. */
let redis: RunningProcess & { url: string };
let conn: Redis;
const DAY = 24 * 3600_000;

beforeAll(async () => {
  redis = await startRedis();
  conn = new Redis(redis.url);
}, 60_000);

afterAll(async () => {
  conn?.disconnect();
  await redis?.stop();
});

const why = (id: string, atMs: number, cluster = 'lab'): TimelineEvent => ({
  id,
  at: new Date(atMs).toISOString(),
  cluster,
  kind: 'why-slow',
  windowSeconds: 900,
  healthy: true,
  headline: 'etcd looks healthy',
  members: [],
  suggestions: [],
});

const fired = (gid: string, atMs: number, kind: 'alert-fired' | 'alert-resolved'): TimelineEvent => {
  const base = {
    id: `${gid}.${kind}`,
    at: new Date(atMs).toISOString(),
    cluster: 'lab',
    gid,
    incarnation: 1,
    alertnames: ['etcdNoLeader'],
    members: [],
    channel: 'C0LAB',
    startsAt: new Date(atMs).toISOString(),
  };
  return kind === 'alert-fired' ? { ...base, kind } : { ...base, kind, resolvedAt: base.at };
};

describe('timeline store', () => {
  it('drops events older than the retention', async () => {
    let now = Date.now();
    const store = new TimelineStore(conn, { prefix: 'ret', retentionDays: 30, maxEventsPerCluster: 1000, now: () => now });
    await store.append([why('old', now - 31 * DAY), why('edge', now - 29 * DAY), why('new', now - 1000)]);
    // The append trimmed what was already past the retention.
    expect((await store.between('lab', 0, now)).events.map((e) => e.id)).toEqual(['edge', 'new']);
    // Two days later the 29-day-old event has aged out too; reading trims before it reads.
    now += 2 * DAY;
    expect((await store.between('lab', 0, now)).events.map((e) => e.id)).toEqual(['new']);
    expect(await store.count('lab')).toBe(1);
    // The key expires with the retention, so a cluster that disappears leaves nothing behind.
    const ttl = await conn.pttl('ret:timeline:events:lab');
    expect(ttl).toBeGreaterThan(29 * DAY);
    expect(ttl).toBeLessThanOrEqual(30 * DAY);
  });

  it('keeps at most maxEventsPerCluster, the newest', async () => {
    const now = Date.now();
    const store = new TimelineStore(conn, { prefix: 'cap', retentionDays: 30, maxEventsPerCluster: 100, now: () => now });
    for (let i = 0; i < 250; i += 50) {
      await store.append(Array.from({ length: 50 }, (_, j) => why(`e${i + j}`, now - 10_000 + i + j)));
    }
    const ids = (await store.between('lab', 0, now)).events.map((e) => e.id);
    expect(ids).toHaveLength(100);
    expect(ids[0]).toBe('e150');
    expect(ids.at(-1)).toBe('e249');
  });

  it('keeps one event per id when a retried job writes it again', async () => {
    const now = Date.now();
    const store = new TimelineStore(conn, { prefix: 'dup', retentionDays: 30, maxEventsPerCluster: 1000 });
    await store.append([why('run-1', now - 5000)]);
    await store.append([why('run-1', now - 4000)]);
    const read = await store.between('lab', 0, now);
    expect(read.events).toHaveLength(1);
    expect(read.events[0]!.at).toBe(new Date(now - 4000).toISOString());
  });

  it('tracks groups still firing and skips entries it cannot read', async () => {
    const now = Date.now();
    const store = new TimelineStore(conn, { prefix: 'open', retentionDays: 30, maxEventsPerCluster: 1000 });
    await store.append([fired('g1', now - 60_000, 'alert-fired'), fired('g2', now - 50_000, 'alert-fired')]);
    await store.append([fired('g1', now - 10_000, 'alert-resolved')]);
    expect((await store.open('lab')).map((e) => e.gid)).toEqual(['g2']);
    await conn.zadd('open:timeline:events:lab', now - 1, '{"not":"an event"}');
    const read = await store.between('lab', 0, now);
    expect(read.unreadable).toBe(1);
    expect(read.events).toHaveLength(3);
  });
});
