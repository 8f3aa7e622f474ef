/**
 * Where the bot's Redis is, from REDIS_URL. Three deployments are common and each needs a different
 * client: one server (or a managed endpoint), a master watched by Sentinels (the client must ask the
 * Sentinels for the current master and follow a failover), and a Redis Cluster (keys spread over slots).
 *
 *   redis://[[user]:password@]host:6379[/db]            rediss:// for TLS
 *   redis+sentinel://[[user]:password@]host1:26379,host2:26379/mastername[/db][?sentinelPassword=…]
 *   redis+cluster://[[user]:password@]host1:7000,host2:7001,...
 *
 * The password of a Sentinel or Cluster URL is the one of the Redis servers; Sentinels that require
 * their own password take it as `sentinelPassword` (and `sentinelUsername`) in the query.
 */
export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
    }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string };

const SENTINEL_PORT = 26379;
const REDIS_PORT = 6379;

/** Throws an Error whose message names what is wrong (never the password). */
export function parseRedisUrl(url: string): RedisTarget {
  if (/^rediss?:\/\//.test(url)) return { kind: 'standalone', url };
  const m = /^(redis\+sentinel|redis\+cluster):\/\/(?:([^@/]*)@)?([^/?#]*)([^?#]*)(\?[^#]*)?$/.exec(url);
  if (m === null) {
    const scheme = /^([a-z0-9+.-]+):\/\//i.exec(url)?.[1];
    if (scheme !== undefined && /^rediss\+(sentinel|cluster)$/i.test(scheme)) {
      throw new Error(`${scheme}:// (TLS to Sentinel or Cluster nodes) is not supported; use redis+sentinel:// or redis+cluster://`);
    }
    throw new Error('must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL');
  }
  const [, scheme, userinfo, hostList, path, query] = m as unknown as [string, string, string | undefined, string, string, string | undefined];
  const credentials = parseUserinfo(userinfo);
  const sentinel = scheme === 'redis+sentinel';
  const nodes = parseHosts(hostList, sentinel ? SENTINEL_PORT : REDIS_PORT);
  const params = new URLSearchParams(query ?? '');

  if (!sentinel) {
    if (path !== '' && path !== '/') throw new Error('redis+cluster:// takes no path: a Redis Cluster has only database 0');
    const unknown = [...params.keys()];
    if (unknown.length > 0) throw new Error(`redis+cluster:// takes no query parameters (got ${unknown.join(', ')})`);
    return { kind: 'cluster', nodes, ...credentials };
  }

  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) throw new Error('redis+sentinel:// needs the master name as its path: redis+sentinel://host:26379/mymaster');
  if (parts.length > 2) throw new Error(`redis+sentinel:// path is /mastername[/db], got ${path}`);
  const name = decodeURIComponent(parts[0]!);
  const dbText = parts[1] ?? '0';
  if (!/^\d{1,2}$/.test(dbText)) throw new Error(`redis+sentinel:// database must be a number 0-99, got ${dbText}`);
  for (const key of params.keys()) {
    if (key !== 'sentinelPassword' && key !== 'sentinelUsername') {
      throw new Error(`redis+sentinel:// query parameter ${key} is not known (sentinelPassword, sentinelUsername)`);
    }
  }
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;
  const sentinelUsername = params.get('sentinelUsername') ?? undefined;
  return {
    kind: 'sentinel',
    sentinels: nodes,
    name,
    db: Number(dbText),
    ...credentials,
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
    ...(sentinelUsername === undefined ? {} : { sentinelUsername }),
  };
}

function parseUserinfo(userinfo: string | undefined): { username?: string; password?: string } {
  if (userinfo === undefined || userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  const user = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
  // `redis://secret@host` is the classic form for a password alone (no ACL user): keep its meaning.
  if (password === undefined) return user === '' ? {} : { password: user };
  return { ...(user === '' ? {} : { username: user }), ...(password === '' ? {} : { password }) };
}

function parseHosts(list: string, defaultPort: number): RedisNode[] {
  if (list === '') throw new Error('names no host: give host:port[,host:port...]');
  return list.split(',').map((entry) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(entry.trim());
    if (m === null) throw new Error(`"${entry}" is not host:port`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (port < 1 || port > 65535) throw new Error(`"${entry}": port ${port} is out of range`);
    return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
}

/**
 * The key prefix to use against a target. In a Redis Cluster a Lua script or MULTI may only touch keys
 * of one hash slot, and BullMQ's scripts touch several keys of a queue; wrapping the whole prefix in a
 * hash tag (`{etcd-triage}`) puts every key of the installation in one slot, so every script and
 * transaction of ours and BullMQ's stays valid. The cost is that one installation's data lives on one
 * shard (with its replicas); several installations with different prefixes spread over the shards.
 */
export function keyPrefixFor(target: RedisTarget, prefix: string): string {
  if (target.kind !== 'cluster' || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

/** REDIS_URL for messages and logs: the password (and user) replaced, the hosts kept. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1***@').replace(/([?&]sentinelPassword=)[^&#]*/g, '$1***');
}
