import { spawn, type ChildProcess } from 'node:child_process';
import type { LabLayout } from './layout.js';
import { put, putMany, rangePrefix } from './etcd-api.js';
import { sleep } from './procs.js';

/**
 * Client traffic for the scenarios. Requests go to every member in turn, as a client library spreading
 * its connections would, so a slow member also serves (and slows) real client requests.
 * Counters are kept so the caller can print what was sent and how much failed.
 */
export interface LoadStats { ok: number; failed: number; lastError?: string }

let stopping = false;
export function stopLoad(): void { stopping = true; }
const children = new Set<ChildProcess>();
/** Kills the etcdctl children of the expensive-read clients (by their pid, which this process owns). */
export function killChildren(): void {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) { try { process.kill(c.pid, 'SIGTERM'); } catch { /* gone */ } }
}

function record(stats: LoadStats, p: Promise<unknown>): Promise<void> {
  return p.then(() => { stats.ok++; }, (err: unknown) => { stats.failed++; stats.lastError = (err as Error).message; });
}

/**
 * Light, steady traffic: `writesPerSec` small puts over 100 keys and `readsPerSec` linearizable reads of
 * one key, i.e. what a quiet control plane does. Reads matter: a linearizable read waits on ReadIndex, so a
 * slow member shows it in its read latency and logs.
 */
export async function lightTraffic(l: LabLayout, until: number, writesPerSec = 20, readsPerSec = 10, stats: LoadStats = { ok: 0, failed: 0 }): Promise<LoadStats> {
  let i = 0;
  const tickMs = 100;
  const inflight = new Set<Promise<void>>();
  let wAcc = 0;
  let rAcc = 0;
  while (!stopping && Date.now() < until) {
    wAcc += (writesPerSec * tickMs) / 1000;
    rAcc += (readsPerSec * tickMs) / 1000;
    while (wAcc >= 1 && inflight.size < 200) {
      wAcc--;
      const m = l.members[i++ % l.members.length]!;
      const p = record(stats, put(m, `/lab/light/key-${i % 100}`, `value-${Date.now()}-${'x'.repeat(200)}`));
      inflight.add(p); void p.finally(() => inflight.delete(p));
    }
    while (rAcc >= 1 && inflight.size < 200) {
      rAcc--;
      const m = l.members[i++ % l.members.length]!;
      const p = record(stats, rangePrefix(m, '/lab/light/key-1'));
      inflight.add(p); void p.finally(() => inflight.delete(p));
    }
    await sleep(tickMs);
  }
  await Promise.allSettled([...inflight]);
  return stats;
}

/** Writes `count` values of `sizeBytes` under prefix (the expensive-request scenario's data set). */
export async function seedLargeValues(l: LabLayout, prefix: string, count: number, sizeBytes: number, log: (s: string) => void): Promise<void> {
  const value = Buffer.alloc(sizeBytes, 'v');
  for (let k = 0; k < count; k++) {
    const m = l.members[k % l.members.length]!;
    await put(m, `${prefix}${String(k).padStart(5, '0')}`, value, 30_000);
    if ((k + 1) % 50 === 0) log(`seeded ${k + 1}/${count} values of ${sizeBytes} bytes under ${prefix}`);
  }
}

/**
 * `clients` concurrent loops, each running `etcdctl get --prefix` over the large values and discarding
 * the output: every call returns the whole prefix, the pattern of an unpaginated list. etcdctl (not the
 * JSON gateway) is used because gRPC carries the hundreds of MB without base64 and JSON overhead.
 */
export async function expensiveReads(l: LabLayout, prefix: string, clients: number, until: number, stats: LoadStats = { ok: 0, failed: 0 }): Promise<LoadStats> {
  const loop = async (c: number): Promise<void> => {
    let n = c;
    while (!stopping && Date.now() < until) {
      const m = l.members[n++ % l.members.length]!;
      await record(stats, new Promise<void>((resolve, reject) => {
        const child = spawn('etcdctl', ['--endpoints', m.clientUrl, '--command-timeout=60s', 'get', '--prefix', prefix], { stdio: ['ignore', 'ignore', 'pipe'] });
        children.add(child);
        let err = '';
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        child.on('exit', (code) => { children.delete(child); if (code === 0) resolve(); else reject(new Error(`etcdctl get exited ${code}: ${err.trim().slice(0, 200)}`)); });
        child.on('error', reject);
      }));
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  return stats;
}

/**
 * A sustained write flood: `concurrency` workers each sending transactions of `opsPerTxn` puts of
 * `valueBytes` back to back. Batching keys into transactions puts the load on etcd (raft, WAL, apply,
 * bbolt) instead of on the JSON gateway and this process, which would otherwise saturate first on two cores.
 */
export async function writeFlood(l: LabLayout, concurrency: number, valueBytes: number, until: number, stats: LoadStats = { ok: 0, failed: 0 }, opsPerTxn = 64): Promise<LoadStats> {
  const value = 'f'.repeat(valueBytes);
  const worker = async (w: number): Promise<void> => {
    let n = 0;
    while (!stopping && Date.now() < until) {
      const m = l.members[(w + n) % l.members.length]!;
      const pairs: [string, string][] = Array.from({ length: opsPerTxn }, (_, k) => [`/lab/flood/w${w}/k${(n * opsPerTxn + k) % 5000}`, value]);
      await record(stats, putMany(m, pairs));
      n++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return stats;
}
