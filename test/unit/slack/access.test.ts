import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { channelAllowed, clustersForChannel, userAllowed } from '../../../src/ingress/slack/access.js';
import { CachedUserGroups } from '../../../src/ingress/slack/user-groups.js';

const prom = { url: 'http://127.0.0.1:9' };
const config = configSchema.parse({
  clusters: {
    b: { prometheus: prom, selector: { job: 'b' }, slack: { channels: ['C0B', '#Ops'] } },
    a: { prometheus: prom, selector: { job: 'a' }, slack: { channels: ['#ops'], userGroups: ['S1', 'S2'] } },
    c: { prometheus: prom, selector: { job: 'c' } },
  },
});
const cluster = (name: string) => config.clusters[name]!;

describe('channel access', () => {
  it('matches channel IDs exactly and #names case-insensitively', () => {
    expect(channelAllowed(cluster('b'), { id: 'C0B' })).toBe(true);
    expect(channelAllowed(cluster('b'), { id: 'c0b' })).toBe(false);
    expect(channelAllowed(cluster('b'), { id: 'C0X', name: 'ops' })).toBe(true);
    expect(channelAllowed(cluster('b'), { id: 'C0X', name: 'ops-2' })).toBe(false);
    // A channel named like an ID entry is not that channel.
    expect(channelAllowed(cluster('b'), { id: 'C0X', name: 'C0B' })).toBe(false);
    expect(channelAllowed(cluster('c'), { id: 'C0B', name: 'ops' })).toBe(false);
  });

  it('lists the clusters a channel may query, sorted', () => {
    expect(clustersForChannel(config, { id: 'C0X', name: 'ops' })).toEqual(['a', 'b']);
    expect(clustersForChannel(config, { id: 'C0B' })).toEqual(['b']);
    expect(clustersForChannel(config, { id: 'C0Z', name: 'random' })).toEqual([]);
  });
});

describe('user groups', () => {
  it('allows anyone when no group is configured, else members of any listed group', async () => {
    const groups = new CachedUserGroups(async (id) => (id === 'S2' ? ['U2'] : ['U1']));
    expect(await userAllowed(cluster('b'), 'U9', groups)).toEqual({ ok: true });
    expect(await userAllowed(cluster('a'), 'U1', groups)).toEqual({ ok: true });
    expect(await userAllowed(cluster('a'), 'U2', groups)).toEqual({ ok: true });
    expect(await userAllowed(cluster('a'), 'U9', groups)).toEqual({ ok: false, reason: 'not-in-group' });
  });

  it('reports a failed lookup as such, not as a refusal', async () => {
    const groups = new CachedUserGroups(async () => {
      throw new Error('timeout');
    });
    expect(await userAllowed(cluster('a'), 'U1', groups)).toMatchObject({ ok: false, reason: 'lookup-failed' });
  });

  it('caches for the TTL, shares concurrent lookups and never caches failures', async () => {
    let now = 0;
    let calls = 0;
    let fail = true;
    const groups = new CachedUserGroups(
      async () => {
        calls += 1;
        if (fail) throw new Error('down');
        return ['U1'];
      },
      1000,
      () => now,
    );
    await expect(groups.members('S1')).rejects.toThrow('down');
    fail = false;
    const [x, y] = await Promise.all([groups.members('S1'), groups.members('S1')]);
    expect(x.has('U1') && y.has('U1')).toBe(true);
    expect(calls).toBe(2);
    now = 999;
    await groups.members('S1');
    expect(calls).toBe(2);
    now = 1000;
    await groups.members('S1');
    expect(calls).toBe(3);
  });
});
