import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { LabLayout } from './layout.js';
import { say } from './layout.js';

/**
 * Turns a time window of the running lab into a fixture directory:
 *   metrics.om.gz   raw samples of the etcd and node jobs, OpenMetrics text with timestamps
 *                   (`promtool tsdb create-blocks-from openmetrics` loads it)
 *   logs/<member>.log.gz   what each member logged during the window
 *   alerts.json     Alertmanager webhook payloads received during the window
 *   scenario.json   what was done, when, to whom
 */

/** Metric families the bot can use; everything else the exporters serve is left out to keep fixtures small. */
export const KEEP_METRICS = /^(etcd_.*|grpc_server_.*|process_.*|go_goroutines|go_gc_duration_seconds.*|go_memstats_heap_inuse_bytes|os_fd_.*|up|node_pressure_.*|node_cpu_seconds_total|node_memory_MemAvailable_bytes|node_memory_MemTotal_bytes|node_load1|node_uname_info|node_disk_(io_time_seconds_total|io_time_weighted_seconds_total|write_time_seconds_total|writes_completed_total))$/;
const JOBS = 'etcd|node';

interface Series { metric: Record<string, string>; values: [number, string][] }

async function prom<T>(l: LabLayout, path: string, params: Record<string, string | string[]>): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const r = await fetch(`${l.prometheusUrl}${path}?${qs.toString()}`, { signal: AbortSignal.timeout(60_000) });
  const j = (await r.json()) as { status: string; data: T; error?: string };
  if (j.status !== 'success') throw new Error(`Prometheus ${path}: ${j.error ?? r.status}`);
  return j.data;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Series that are zero during the whole window AND whose siblings (the same series without `le`) are
 * zero too carry nothing: they are the hundreds of pre-declared gRPC method/code combinations nobody
 * called. Dropping whole groups keeps every histogram that was used intact, bucket for bucket.
 */
function groupKey(name: string, metric: Record<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const labels = Object.entries(metric).filter(([k]) => k !== '__name__' && k !== 'le').sort(([a], [b]) => a.localeCompare(b));
  return `${base}${JSON.stringify(labels)}`;
}

export async function exportMetrics(l: LabLayout, startS: number, endS: number): Promise<{ text: string; series: number; samples: number }> {
  const names = (await prom<string[]>(l, '/api/v1/label/__name__/values', {
    'match[]': `{job=~"${JOBS}"}`, start: String(startS), end: String(endS),
  })).filter((n) => KEEP_METRICS.test(n)).sort();
  const rangeS = Math.ceil(endS - startS);
  const all: { name: string; s: Series }[] = [];
  for (const name of names) {
    const data = await prom<{ result: Series[] }>(l, '/api/v1/query', {
      query: `{__name__="${name}",job=~"${JOBS}"}[${rangeS}s]`, time: String(endS),
    });
    for (const s of data.result) all.push({ name, s });
  }
  const live = new Set<string>();
  for (const { name, s } of all) if (s.values.some(([, v]) => v !== '0')) live.add(groupKey(name, s.metric));
  const out: string[] = [];
  let series = 0;
  let samples = 0;
  let current = '';
  for (const { name, s } of all) {
    if (!live.has(groupKey(name, s.metric))) continue;
    if (name !== current) {
      // Unknown type on purpose: counters, gauges and histogram parts load as plain series, which is
      // exactly how Prometheus stored them when scraped as text.
      out.push(`# TYPE ${name} unknown`);
      current = name;
    }
    const labels = Object.entries(s.metric).filter(([k]) => k !== '__name__').sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
    series++;
    for (const [t, v] of s.values) {
      out.push(`${name}{${labels}} ${v} ${t}`);
      samples++;
    }
  }
  out.push('# EOF');
  return { text: out.join('\n') + '\n', series, samples };
}

/** Bytes of each member's log file right now, so a later cut takes exactly what was logged since. */
export function logOffsets(l: LabLayout): Record<string, number> {
  const o: Record<string, number> = {};
  for (const m of l.members) o[m.name] = existsSync(m.logFile) ? statSync(m.logFile).size : 0;
  return o;
}

async function readFrom(file: string, offset: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of createReadStream(file, { start: offset })) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export interface AlertRecord { receivedAt: string; path: string; body: unknown }

export function webhooksBetween(l: LabLayout, startMs: number, endMs: number): AlertRecord[] {
  if (!existsSync(l.webhookLog)) return [];
  return readFileSync(l.webhookLog, 'utf8').split('\n').filter((x) => x.length > 0)
    .map((x) => JSON.parse(x) as AlertRecord)
    .filter((a) => { const t = Date.parse(a.receivedAt); return t >= startMs && t <= endMs; });
}

export interface ExportInput {
  outDir: string;
  startMs: number;
  endMs: number;
  offsets: Record<string, number>;
  scenario: Record<string, unknown>;
}

export async function exportFixture(l: LabLayout, x: ExportInput): Promise<void> {
  rmSync(x.outDir, { recursive: true, force: true });
  mkdirSync(join(x.outDir, 'logs'), { recursive: true });
  say(`exporting Prometheus samples ${new Date(x.startMs).toISOString()} → ${new Date(x.endMs).toISOString()}`);
  const m = await exportMetrics(l, x.startMs / 1000, x.endMs / 1000);
  const gz = gzipSync(m.text, { level: 9 });
  writeFileSync(join(x.outDir, 'metrics.om.gz'), gz);
  say(`  ${m.series} series, ${m.samples} samples, ${(gz.length / 1e6).toFixed(2)} MB gzipped`);
  for (const mem of l.members) {
    const buf = existsSync(mem.logFile) ? await readFrom(mem.logFile, x.offsets[mem.name] ?? 0) : Buffer.alloc(0);
    writeFileSync(join(x.outDir, 'logs', `${mem.name}.log.gz`), gzipSync(buf, { level: 9 }));
    say(`  ${mem.name}: ${buf.toString('utf8').split('\n').filter((s) => s.length > 0).length} log lines`);
  }
  // Alertmanager may deliver a few seconds after the window; take a little slack at the end.
  const alerts = webhooksBetween(l, x.startMs, x.endMs + 15_000);
  writeFileSync(join(x.outDir, 'alerts.json'), JSON.stringify(alerts, null, 1) + '\n');
  say(`  ${alerts.length} Alertmanager webhook payloads`);
  writeFileSync(join(x.outDir, 'scenario.json'), JSON.stringify({ ...x.scenario, metricsSeries: m.series, metricsSamples: m.samples }, null, 2) + '\n');
}
