import { describe, expect, it } from 'vitest';
import { keyPrefixFor, parseRedisUrl, redactRedisUrl } from '../../../src/config/redis-target.js';
import { readEnv } from '../../../src/config/env.js';
import { ConfigError } from '../../../src/config/errors.js';

describe('REDIS_URL forms', () => {
  it('redis:// and rediss:// go to ioredis as they are', () => {
    expect(parseRedisUrl('redis://:pw@10.0.0.1:6380/2')).toEqual({ kind: 'standalone', url: 'redis://:pw@10.0.0.1:6380/2' });
    expect(parseRedisUrl('rediss://cache.example:6379')).toEqual({ kind: 'standalone', url: 'rediss://cache.example:6379' });
  });

  it('redis+sentinel://: the Sentinels, the master name, the database and both passwords', () => {
    expect(parseRedisUrl('redis+sentinel://:s%40cret@10.0.0.1:26379,sentinel-b,[::1]:26380/mymaster/3?sentinelPassword=sp')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      db: 3,
      password: 's@cret',
      sentinelPassword: 'sp',
    });
    expect(parseRedisUrl('redis+sentinel://bot:pw@h:26379/m')).toMatchObject({ username: 'bot', password: 'pw', db: 0 });
  });

  it('redis+cluster://: the seed nodes, default port 6379', () => {
    expect(parseRedisUrl('redis+cluster://pw@n1:7000,n2')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 6379 }],
      password: 'pw',
    });
  });

  it.each([
    ['http://redis:6379', /must be a redis:\/\/, rediss:\/\/, redis\+sentinel:\/\/ or redis\+cluster:\/\/ URL/],
    ['redis+sentinel://h1:26379,h2:26379', /needs the master name/],
    ['redis+sentinel://h1:26379/m/x', /database must be a number/],
    ['redis+sentinel://h1:26379/m?password=x', /query parameter password is not known/],
    ['redis+sentinel://h1:99999/m', /port 99999 is out of range/],
    ['redis+sentinel://h1:26379,,h2/m', /"" is not host:port/],
    ['redis+cluster://n1:7000/1', /takes no path/],
    ['redis+cluster:///', /names no host/],
    ['rediss+cluster://n1:7000', /not supported/],
  ])('%s is refused: %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it('a bad REDIS_URL fails start-up with the reason and without the password', () => {
    let err: unknown;
    try {
      readEnv({ REDIS_URL: 'redis+sentinel://:topsecret@h1:26379' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/REDIS_URL.*needs the master name/s);
    expect(String((err as Error).message)).not.toContain('topsecret');
    expect(readEnv({}).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('in a Cluster the whole key prefix becomes one hash tag; elsewhere it is left alone', () => {
    const cluster = parseRedisUrl('redis+cluster://n1:7000');
    expect(keyPrefixFor(cluster, 'etcd-triage')).toBe('{etcd-triage}');
    expect(keyPrefixFor(cluster, '{team-a}')).toBe('{team-a}');
    expect(keyPrefixFor(parseRedisUrl('redis+sentinel://h:26379/m'), 'etcd-triage')).toBe('etcd-triage');
    expect(keyPrefixFor(parseRedisUrl('redis://h:6379'), 'etcd-triage')).toBe('etcd-triage');
  });

  it('messages show the hosts of a REDIS_URL, never its passwords', () => {
    expect(redactRedisUrl('redis+sentinel://:s3cret@h1:26379,h2/m?sentinelPassword=sp2')).toBe('redis+sentinel://***@h1:26379,h2/m?sentinelPassword=***');
    expect(redactRedisUrl('redis://user:pw@cache:6379/1')).toBe('redis://***@cache:6379/1');
    expect(redactRedisUrl('redis+cluster://n1:7000,n2:7001')).toBe('redis+cluster://n1:7000,n2:7001');
  });
});
