/**
 * Acknowledged writes lost in a Sentinel failover, with and without waiting for a replica (WAIT 1):
 * what the webhook's replica acknowledgement buys, and what it costs per write.
 *
 *   npx tsx test/bench/redis-failover-ack.ts [rounds per mode, default 3] [connections, default 16] [replica lag ms, default 0] [bytes per write, default 16]
 *
 * Per round: a fresh master + replica + 3 Sentinels (test/support/redis.ts). Writers on separate
 * connections (through the Sentinels, as the bot connects) RPUSH unique ids as fast as they can, each
 * id counted as acknowledged only once Redis answered (and, with WAIT, once WAIT said a replica has it).
 * After 1.5 s the master is SIGKILLed; writers keep going (failures are retried, not counted) until
 * 2 s after the promoted replica answers. Then the list on the new master is compared with the ids
 * acknowledged: the missing ones are acknowledged writes the failover lost. With a lag, the replica is
 * frozen (SIGSTOP) for that long before the kill and resumed as the master dies.
 */
import { Redis } from 'ioredis';
import { parseRedisUrl } from '../../src/config/redis-target.js';
import { REPLICA_ACK } from '../../src/jobs/redis.js';
import { startSentinelSet, type RunningSentinelSet } from '../support/redis.js';

const rounds = Number(process.argv[2] ?? 3);
const connections = Number(process.argv[3] ?? 16);
/** Replica frozen this long (SIGSTOP) just before the master is killed; 0: a healthy replica. */
const lagMs = Number(process.argv[4] ?? 0);
/** Bytes per write: with a lag, enough data to overflow the kernel's socket buffers toward the replica. */
const payload = 'x'.repeat(Number(process.argv[5] ?? 16));

interface Round {
  mode: 'no-wait' | 'wait';
  acked: number;
  lost: number;
  p50: number;
  p99: number;
  failoverMs: number;
}

async function round(mode: Round['mode']): Promise<Round> {
  const set = await startSentinelSet();
  try {
    return await measure(set, mode);
  } finally {
    await set.stop();
  }
}

async function measure(set: RunningSentinelSet, mode: Round['mode']): Promise<Round> {
  const target = parseRedisUrl(set.url);
  if (target.kind !== 'sentinel') throw new Error('not a sentinel URL');
  const clients = Array.from({ length: connections }, () =>
    new Redis({ sentinels: target.sentinels, name: target.name, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (t) => Math.min(t * 100, 500), failoverDetector: true }),
  );
  for (const c of clients) c.on('error', () => undefined);
  await Promise.all(clients.map((c) => new Promise((resolve) => c.once('ready', resolve))));
  const acked: string[] = [];
  const latencies: number[] = [];
  let running = true;
  const writers = clients.map(async (c, w) => {
    for (let i = 0; running; i++) {
      const id = `${w}:${i}`;
      const t0 = performance.now();
      try {
        await c.rpush('acked', `${id}|${payload}`);
        if (mode === 'wait') {
          const n = await c.wait(REPLICA_ACK.replicas, REPLICA_ACK.timeoutMs);
          if (n < REPLICA_ACK.replicas) continue;
        }
        latencies.push(performance.now() - t0);
        acked.push(id);
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  const old = set.masterPort();
  // A replica that falls behind (a stalled disk, a GC pause, a congested link): frozen while the master
  // keeps acknowledging, then the master dies and the replica, resumed, is the one promoted.
  const replica = lagMs > 0 ? [...set.servers.entries()].find(([port]) => port !== old)![1] : undefined;
  if (replica !== undefined) {
    process.kill(replica.pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, lagMs));
  }
  const killedAt = Date.now();
  const killing = set.killMaster();
  if (replica !== undefined) process.kill(replica.pid, 'SIGCONT');
  await killing;
  const promoted = await set.waitForFailover(old);
  const failoverMs = Date.now() - killedAt;
  await new Promise((r) => setTimeout(r, 2000));
  running = false;
  await Promise.all(writers);
  const check = new Redis({ host: '127.0.0.1', port: promoted });
  const stored = new Set((await check.lrange('acked', 0, -1)).map((v) => v.split('|')[0]!));
  check.disconnect();
  for (const c of clients) c.disconnect();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { mode, acked: acked.length, lost: acked.filter((id) => !stored.has(id)).length, p50: q(0.5), p99: q(0.99), failoverMs };
}

const results: Round[] = [];
for (let r = 0; r < rounds; r++) {
  for (const mode of ['no-wait', 'wait'] as const) {
    const res = await round(mode);
    results.push(res);
    console.log(`${mode.padEnd(8)} acknowledged ${String(res.acked).padStart(7)}  lost ${String(res.lost).padStart(4)}  write p50 ${res.p50.toFixed(2)} ms  p99 ${res.p99.toFixed(2)} ms  failover ${res.failoverMs} ms`);
  }
}
for (const mode of ['no-wait', 'wait'] as const) {
  const mine = results.filter((r) => r.mode === mode);
  const acked = mine.reduce((a, r) => a + r.acked, 0);
  const lost = mine.reduce((a, r) => a + r.lost, 0);
  console.log(`${mode}: ${lost} of ${acked} acknowledged writes lost over ${mine.length} failovers (${mine.filter((r) => r.lost > 0).length} failovers lost some)`);
}
process.exit(0);
