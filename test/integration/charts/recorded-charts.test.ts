import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { runDiagnosis, type RunResult } from '../../../src/diagnosis/run.js';
import { collectChartData, MAX_CHARTS, type ChartData } from '../../../src/diagnosis/chart-series.js';
import { PrometheusRegistry } from '../../../src/sources/prometheus/registry.js';
import { drawCharts } from '../../../src/report/charts/draw.js';
import { chartRows, CHART_SIZE, logScaled } from '../../../src/report/charts/spec.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { readPng } from '../../support/png.js';

/**
 * The charts of a recorded slow-disk incident, drawn from a real Prometheus serving it: the data are the
 * values Prometheus returns for the deciding signal, the slow member is the highlighted line, and the
 * PNG is a real, non-blank image of the documented size.
 */
const playbooks = loadPlaybooks();
let s: LoadedScenario;
let prometheus: PrometheusRegistry;
let run: RunResult;
let charts: ChartData[];

beforeAll(async () => {
  s = await loadScenario('disk-slow-follower');
  const config = parseConfigText(`clusters:\n  lab:\n    prometheus: { url: "${s.url}" }\n    selector: { job: etcd }\n`, 'charts.yaml', {});
  prometheus = new PrometheusRegistry(config);
  // Two and a half minutes into the fault, looking back three minutes: the onset is inside the window.
  const end = Math.floor(s.times.faultStart) + 150;
  run = await runDiagnosis({ config, playbooks, prometheus }, { cluster: 'lab', windowSeconds: 180, endTime: new Date(end * 1000).toISOString(), origin: { kind: 'cli' } });
  const fetched = await collectChartData(run.diagnosis, run.evidence, playbooks, prometheus.forCluster('lab'));
  charts = fetched.filter((c): c is ChartData => !('error' in c));
  expect(charts).toHaveLength(fetched.length);
}, 120_000);

afterAll(async () => {
  await prometheus?.close();
  await s?.stop();
});

interface Matrix {
  data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

/** Prometheus's own answer to a range query, read without the bot's client. */
async function promRange(promql: string, start: string, end: string, step: number): Promise<Matrix['data']['result']> {
  const q = new URLSearchParams({ query: promql, start: String(Date.parse(start) / 1000), end: String(Date.parse(end) / 1000), step: String(step) });
  const res = await fetch(`${s.url}/api/v1/query_range?${q}`);
  return ((await res.json()) as Matrix).data.result;
}

describe('charts of a recorded slow-disk incident', () => {
  it('charts the deciding signal of the top cause, at most two charts', () => {
    expect(run.diagnosis.causes[0]).toMatchObject({ playbook: 'disk', cause: 'slow-disk', members: [s.meta.fault.member] });
    expect(charts.length).toBeGreaterThanOrEqual(1);
    expect(charts.length).toBeLessThanOrEqual(MAX_CHARTS);
    expect(charts[0]).toMatchObject({ id: 'disk/wal_fsync_p99', role: 'deciding', title: 'WAL fsync p99', unit: 'seconds', highlighted: [s.meta.fault.member] });
    expect(charts[0]!.rule).toEqual({ value: 0.016, label: 'warning' });
  });

  it('the series are the values Prometheus returns for that signal, per member, with a lead-in before the window', async () => {
    const c = charts[0]!;
    expect(Date.parse(c.start)).toBeLessThan(Date.parse(c.windowStart));
    expect(c.windowStart).toBe(run.diagnosis.window.start);
    const step = run.evidence.window.stepSeconds;
    const direct = await promRange(c.promql, c.start, c.end, step);
    const expected = direct
      .map((r) => ({ member: r.metric['instance']!, points: r.values.map(([t, v]) => ({ t, v: Number(v) })).filter((p) => Number.isFinite(p.v)) }))
      .filter((r) => r.points.length > 0)
      .sort((a, b) => a.member.localeCompare(b.member));
    expect(c.series).toEqual(expected);
    expect(c.series.map((x) => x.member)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    // The drawn rows are those values in the axis unit, and only the slow member's are the named line.
    const { rows, unit } = chartRows(c);
    // Seconds-long fsyncs next to 2 ms ones: a logarithmic axis in milliseconds.
    expect(logScaled(c)).toBe(true);
    expect(unit.label).toBe('ms');
    expect(rows).toHaveLength(expected.reduce((n, x) => n + x.points.length, 0));
    const slowRows = rows.filter((r) => r.member === s.meta.fault.member);
    expect(slowRows.every((r) => r.named)).toBe(true);
    expect(rows.filter((r) => r.named).every((r) => r.member === s.meta.fault.member)).toBe(true);
    expect(slowRows.map((r) => r.v)).toEqual(expected.find((x) => x.member === s.meta.fault.member)!.points.map((p) => p.v * unit.factor));
  });

  it('marks the onset where the slow member first crosses the warning level, after the fault began', () => {
    const c = charts[0]!;
    const slow = c.series.find((x) => x.member === s.meta.fault.member)!;
    const first = slow.points.find((p) => p.v >= 0.016)!;
    expect(c.onset).toBe(new Date(first.t * 1000).toISOString());
    expect(first.t).toBeGreaterThanOrEqual(s.times.faultStart);
    expect(first.t).toBeLessThan(s.times.faultStart + 150);
  });

  it('draws a PNG of the documented size that is not blank, with the slow member in the strong colour', async () => {
    const drawn = await drawCharts('lab', charts);
    const first = drawn[0]!;
    if ('error' in first) throw new Error(first.error);
    expect(first.filename).toBe('lab-disk-wal_fsync_p99.png');
    if (process.env['CHART_TEST_OUT']) writeFileSync(process.env['CHART_TEST_OUT'], first.png);
    const png = readPng(first.png);
    expect({ width: png.width, height: png.height }).toEqual({ width: CHART_SIZE.width * 2, height: CHART_SIZE.height * 2 });
    expect(png.variance).toBeGreaterThan(100);
    // The highlighted line (#d62728) is drawn; the muted ones (#b5b5b5) too.
    expect(png.count([0xd6, 0x27, 0x28])).toBeGreaterThan(500);
    expect(png.count([0xb5, 0xb5, 0xb5])).toBeGreaterThan(200);
  });
});
