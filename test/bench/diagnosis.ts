/**
 * Full diagnosis (all playbooks, logs included) against a real Prometheus serving a recorded incident:
 * time per diagnosis and queries sent. Run: npx tsx test/bench/diagnosis.ts [scenario] [runs]
 */
import './own-tmpdir.js';
import { performance } from 'node:perf_hooks';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { runDiagnosis } from '../../src/diagnosis/run.js';
import { createLogCollector } from '../../src/diagnosis/evidence/log-collector.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import { loadScenario } from '../support/fixture-prometheus.js';
import { reportBench } from './bench-result.js';

const name = process.argv[2] ?? 'disk-slow-follower';
const runs = Number(process.argv[3] ?? 30);
const s = await loadScenario(name);
try {
  const logs = Object.entries(s.logFiles).map(([m, p]) => `      - { type: file, path: "${p}", member: ${m} }`).join('\n');
  const config = parseConfigText(
    `clusters:\n  lab:\n    prometheus: { url: "${s.url}" }\n    selector: { job: etcd }\n    nodeExporter: { selector: { job: node }, match: { by: host, memberLabel: address, nodeLabel: address } }\n    logs:\n${logs}\n`,
    'bench.yaml',
    {},
  );
  const playbooks = loadPlaybooks();
  const prometheus = new PrometheusRegistry(config);
  const collectLogs = createLogCollector(config);
  const end = new Date(Math.floor(s.times.faultEnd) * 1000).toISOString();
  const times: number[] = [];
  let queries = 0;
  let verdict = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await runDiagnosis({ config, playbooks, prometheus, collectLogs }, { cluster: 'lab', windowSeconds: 180, endTime: end, origin: { kind: 'cli' } });
    times.push(performance.now() - t0);
    queries = r.evidence.queries.length;
    verdict = r.diagnosis.headline;
  }
  await Promise.all([prometheus.close(), collectLogs.close()]);
  times.sort((a, b) => a - b);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  console.log(`scenario ${name}: ${runs} full diagnoses (7 playbooks + logs), ${queries} Prometheus queries each`);
  console.log(`p50 ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms`);
  console.log(`verdict: ${verdict}`);
  reportBench({
    bench: 'diagnosis',
    what: `why-slow end to end, recorded ${name} (7 playbooks + logs)`,
    budget: 'p50 ≤ 2 s, ≤ 40 queries',
    measured: `p50 ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, ${queries} queries`,
    pass: q(0.5) <= 2000 && queries <= 40,
  });
} finally {
  await s.stop();
}
