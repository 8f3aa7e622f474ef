import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, tempDir, waitFor, type RunningProcess } from './processes.js';

/** A real redis-server (Debian package) on a private loopback port, no persistence, stopped by pid. */
export async function startRedis(port?: number, dir?: string): Promise<RunningProcess & { url: string }> {
  const p = port ?? (await freePort());
  const workDir = dir ?? tempDir('redis');
  const proc = await startProcess({
    name: 'redis',
    command: 'redis-server',
    args: [
      '--port', String(p),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', workDir,
      '--protected-mode', 'yes',
    ],
    port: p,
  });
  // A work dir made here is removed with the server; one passed in belongs to the caller (a restart).
  const stopServer = proc.stop;
  const stop = dir !== undefined ? stopServer : async (): Promise<void> => {
    await stopServer();
    rmSync(workDir, { recursive: true, force: true });
  };
  return Object.assign(proc, { url: `redis://127.0.0.1:${p}`, stop });
}

/** Runs redis-cli against a loopback port and returns its output (throws on a non-zero exit). */
function redisCli(port: number, args: string[]): string {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
}

function redisServer(name: string, port: number, dir: string, extra: string[]): Promise<RunningProcess> {
  return startProcess({
    name,
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--protected-mode', 'yes', ...extra],
    port,
  });
}

export interface RunningSentinelSet {
  /** REDIS_URL for the bot: the three Sentinels and the master name. */
  url: string;
  masterName: string;
  /** The Redis servers by port (the master at start, the replica at start). */
  servers: Map<number, RunningProcess>;
  sentinels: RunningProcess[];
  /** The port of the master the Sentinels currently name. */
  masterPort(): number;
  /** SIGKILL of the current master: no shutdown, no last write to the replica. */
  killMaster(): Promise<number>;
  /** Waits until the Sentinels name a master other than `oldPort`, and it answers as a master. */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica and three Sentinels (quorum 2) on loopback ports. Sentinels declare a master
 * down after 1 s without answers and may retry a failover after 3 s, so a test sees a promotion within
 * a few seconds. Each Sentinel gets its own writable config file (Sentinels rewrite it).
 */
export async function startSentinelSet(opts: { masterName?: string; appendonly?: boolean } = {}): Promise<RunningSentinelSet> {
  const masterName = opts.masterName ?? 'etcdtriage';
  const dir = tempDir('sentinel-set');
  const [mPort, rPort, ...sPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]) as [number, number, number, number, number];
  const persistence = ['--appendonly', opts.appendonly === true ? 'yes' : 'no'];
  mkdirSync(join(dir, 'master'));
  mkdirSync(join(dir, 'replica'));
  const servers = new Map<number, RunningProcess>();
  servers.set(mPort, await redisServer('redis-master', mPort, join(dir, 'master'), persistence));
  servers.set(rPort, await redisServer('redis-replica', rPort, join(dir, 'replica'), [...persistence, '--replicaof', '127.0.0.1', String(mPort)]));
  const sentinels: RunningProcess[] = [];
  for (const sPort of sPorts) {
    const conf = join(dir, `sentinel-${sPort}.conf`);
    writeFileSync(
      conf,
      [
        `port ${sPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${mPort} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 3000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push(await startProcess({ name: `sentinel-${sPort}`, command: 'redis-server', args: [conf, '--sentinel'], port: sPort }));
  }
  const ask = (args: string[]): string => {
    for (const s of sentinels) {
      try {
        return redisCli(s.port, ['SENTINEL', ...args]);
      } catch {
        // that Sentinel is not answering; ask the next
      }
    }
    throw new Error('no Sentinel answers');
  };
  const masterPort = (): number => Number(ask(['get-master-addr-by-name', masterName]).split('\n')[1]);
  // Ready when the replica is in sync and every Sentinel knows the replica and the two other Sentinels.
  await waitFor('replica in sync', () => /master_link_status:up/.test(redisCli(rPort, ['INFO', 'replication'])), 20_000, 100);
  await waitFor('Sentinels know each other and the replica', () =>
    sentinels.every((s) => {
      const master = redisCli(s.port, ['SENTINEL', 'master', masterName]);
      const field = (k: string): number => Number(new RegExp(`^${k}\\n(\\d+)$`, 'm').exec(master)?.[1] ?? -1);
      return field('num-slaves') === 1 && field('num-other-sentinels') === 2;
    }), 30_000, 200);
  return {
    url: `redis+sentinel://${sPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${masterName}`,
    masterName,
    servers,
    sentinels,
    masterPort,
    async killMaster() {
      const port = masterPort();
      const proc = servers.get(port);
      if (proc === undefined) throw new Error(`no server of this set on port ${port}`);
      const gone = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
      process.kill(proc.pid, 'SIGKILL');
      await gone;
      return port;
    },
    async waitForFailover(oldPort, timeoutMs = 30_000) {
      let port = oldPort;
      await waitFor('Sentinels promote a replica', () => {
        port = masterPort();
        return port !== oldPort && /role:master/.test(redisCli(port, ['INFO', 'replication']));
      }, timeoutMs, 100);
      return port;
    },
    async stop() {
      await Promise.all([...sentinels.map((s) => s.stop()), ...[...servers.values()].map((s) => s.stop())]);
    },
  };
}

export interface RunningRedisCluster {
  /** REDIS_URL for the bot. */
  url: string;
  nodes: RunningProcess[];
  stop(): Promise<void>;
}

/** Three masters (no replicas) sharing the 16384 slots, made a cluster by `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RunningRedisCluster> {
  const dir = tempDir('redis-cluster');
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const nodes = await Promise.all(
    ports.map((p) =>
      redisServer(`redis-cluster-${p}`, p, dir, [
        '--appendonly', 'no',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${p}.conf`),
        '--cluster-node-timeout', '2000',
      ]),
    ),
  );
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  await waitFor('cluster state ok on every node', () =>
    ports.every((p) => {
      const info = redisCli(p, ['CLUSTER', 'INFO']);
      return /cluster_state:ok/.test(info) && /cluster_known_nodes:3/.test(info);
    }), 30_000, 200);
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
