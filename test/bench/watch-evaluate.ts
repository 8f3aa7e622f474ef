/**
 * What watching costs one worker process: N cluster entries (the same recorded incident's Prometheus
 * under N names) evaluated at one tick, as a watch tick would, 8 clusters at a time. Reports the bot's
 * CPU time and memory per tick, queries per cluster, and how the cost grows from 10 to 100 clusters.
 * Prometheus' own work is not in these figures (it is another process): 6 instant queries per cluster.
 *
 *   npx tsx test/bench/watch-evaluate.ts [scenario] [ticks]
 */
import './own-tmpdir.js';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseConfigText } from '../../src/config/load.js';
import { evaluateOnset } from '../../src/diagnosis/onset/evaluate.js';
import type { WatchEvaluation } from '../../src/diagnosis/onset/types.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import { loadScenario } from '../support/fixture-prometheus.js';
import { percentile, reportBench } from './bench-result.js';

const name = process.argv[2] ?? 'disk-slow-follower';
const ticks = Number(process.argv[3] ?? 5);
const CONCURRENCY = 8;
const INTERVAL_S = 30;

const s = await loadScenario(name);
const playbooks = loadPlaybooks();
const at = Math.floor(s.times.faultStart + 90);
// The process as loaded (tsx, zod, the playbooks), before it evaluates anything.
const base = process.memoryUsage();

interface Tick { wallMs: number; cpuMs: number; queries: number; suspects: number }

async function tick(registry: PrometheusRegistry, names: string[], config: ReturnType<typeof parseConfigText>): Promise<Tick> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out: WatchEvaluation[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < names.length) {
        const n = names[next++]!;
        out.push(await evaluateOnset({ clusterName: n, cluster: config.clusters[n]!, prometheus: registry.forCluster(n), playbooks, at }));
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, queries: out.reduce((q, e) => q + e.queries, 0), suspects: out.filter((e) => e.suspects.length > 0).length };
}

const results: Array<{ clusters: number; wallMs: number; cpuMs: number; queriesPerCluster: number; rssMiB: number; heapMiB: number; suspected: number }> = [];
try {
  for (const n of [10, 100]) {
    const names = Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const config = parseConfigText(
      `clusters:\n${names.map((c) => `  ${c}:\n    prometheus: { url: "${s.url}" }\n    selector: { job: etcd }\n    nodeExporter: { selector: { job: node } }\n`).join('')}`,
      'bench.yaml',
      {},
    );
    const registry = new PrometheusRegistry(config);
    await tick(registry, names, config); // warm-up: connections, JIT
    const runs: Tick[] = [];
    for (let i = 0; i < ticks; i++) runs.push(await tick(registry, names, config));
    global.gc?.();
    const mem = process.memoryUsage();
    await registry.close();
    const last = runs.at(-1)!;
    results.push({
      clusters: n,
      wallMs: percentile(runs.map((r) => r.wallMs), 50),
      cpuMs: percentile(runs.map((r) => r.cpuMs), 50),
      queriesPerCluster: last.queries / n,
      rssMiB: mem.rss / 2 ** 20,
      heapMiB: mem.heapUsed / 2 ** 20,
      suspected: last.suspects,
    });
  }
} finally {
  await s.stop();
}

console.log(`recorded ${name}, evaluated at onset + 90 s, ${CONCURRENCY} clusters at a time, median of ${ticks} ticks; before any evaluation: RSS ${(base.rss / 2 ** 20).toFixed(0)} MiB, heap ${(base.heapUsed / 2 ** 20).toFixed(0)} MiB; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| clusters | wall per tick | bot CPU per tick | CPU per cluster | queries per cluster | RSS after | heap after | clusters with a suspect |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.clusters} | ${r.wallMs.toFixed(0)} ms | ${r.cpuMs.toFixed(0)} ms | ${(r.cpuMs / r.clusters).toFixed(1)} ms | ${r.queriesPerCluster} | ${r.rssMiB.toFixed(0)} MiB | ${r.heapMiB.toFixed(0)} MiB | ${r.suspected} of ${r.clusters} |`);
}
const [ten, hundred] = results as [(typeof results)[0], (typeof results)[0]];
const growth = hundred.cpuMs / ten.cpuMs;
console.log(`CPU per tick grows ×${growth.toFixed(1)} from 10 to 100 clusters (linear would be ×10); a ${INTERVAL_S} s interval leaves ${(100 - (100 * hundred.cpuMs) / (INTERVAL_S * 1000)).toFixed(1)}% of one core idle at 100 clusters`);
reportBench({
  bench: 'watch-evaluate',
  what: `one worker evaluating 100 clusters per ${INTERVAL_S} s tick (recorded ${name})`,
  budget: `a tick within ${INTERVAL_S} s, ≤ 10 queries per cluster`,
  measured: `tick ${hundred.wallMs.toFixed(0)} ms wall, ${hundred.cpuMs.toFixed(0)} ms CPU, ${hundred.queriesPerCluster} queries per cluster, RSS ${hundred.rssMiB.toFixed(0)} MiB; CPU ×${growth.toFixed(1)} from 10 to 100 clusters`,
  pass: hundred.wallMs <= INTERVAL_S * 1000 && hundred.queriesPerCluster <= 10,
});
