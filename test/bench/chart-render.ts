/**
 * One chart, from its data to the PNG posted in a thread: the vega-lite spec compiled, drawn to SVG by
 * vega (no browser) and rasterised by resvg at twice its size. The data are the deciding signal of the
 * recorded slow-disk incident, read from a real Prometheus serving it; the first drawing (which loads
 * the libraries) is reported apart and not counted.
 * Run: npx tsx test/bench/chart-render.ts [runs]
 */
import './own-tmpdir.js';
import { performance } from 'node:perf_hooks';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { runDiagnosis } from '../../src/diagnosis/run.js';
import { collectChartData, type ChartData } from '../../src/diagnosis/chart-series.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import { chartFont, specToSvg, svgToPng } from '../../src/report/charts/render.js';
import { chartSpec } from '../../src/report/charts/spec.js';
import { loadScenario } from '../support/fixture-prometheus.js';
import { percentile, reportBench } from './bench-result.js';

const runs = Number(process.argv[2] ?? 30);
const BUDGET_MS = 300;
const s = await loadScenario('disk-slow-follower');
const config = parseConfigText(`clusters:\n  lab:\n    prometheus: { url: "${s.url}" }\n    selector: { job: etcd }\n`, 'bench.yaml', {});
const prometheus = new PrometheusRegistry(config);
try {
  const playbooks = loadPlaybooks();
  const end = new Date((Math.floor(s.times.faultStart) + 150) * 1000).toISOString();
  const { diagnosis, evidence } = await runDiagnosis({ config, playbooks, prometheus }, { cluster: 'lab', windowSeconds: 180, endTime: end, origin: { kind: 'cli' } });
  const data = (await collectChartData(diagnosis, evidence, playbooks, prometheus.forCluster('lab')))[0];
  if (data === undefined || 'error' in data) throw new Error(`no chart data: ${data === undefined ? 'no cause' : data.error}`);
  const chart: ChartData = data;
  const font = chartFont();
  const draw = async (): Promise<{ svg: number; png: number; bytes: number }> => {
    const t0 = performance.now();
    const svg = await specToSvg(chartSpec(chart));
    const t1 = performance.now();
    const png = await svgToPng(svg, font);
    return { svg: t1 - t0, png: performance.now() - t1, bytes: png.length };
  };
  const first = performance.now();
  await draw();
  const firstMs = performance.now() - first;
  const total: number[] = [];
  const svgs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const r = await draw();
    total.push(r.svg + r.png);
    svgs.push(r.svg);
    bytes = r.bytes;
  }
  const p50 = percentile(total, 50);
  const p95 = percentile(total, 95);
  console.log(`${runs} charts (${chart.series.reduce((n, x) => n + x.points.length, 0)} points, ${bytes} bytes PNG): p50 ${p50.toFixed(0)} ms (SVG ${percentile(svgs, 50).toFixed(0)} ms), p95 ${p95.toFixed(0)} ms; first one with library loading ${firstMs.toFixed(0)} ms`);
  reportBench({
    bench: 'chart-render',
    what: 'chart rendered (spec → SVG → PNG, 1600×840)',
    budget: `≤ ${BUDGET_MS} ms`,
    measured: `p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (first, loading the libraries: ${firstMs.toFixed(0)} ms)`,
    pass: p50 <= BUDGET_MS,
  });
} finally {
  await prometheus.close();
  await s.stop();
}
