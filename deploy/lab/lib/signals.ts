import { readFileSync, existsSync } from 'node:fs';
import { say } from './layout.js';

/**
 * Measures the signals the playbooks' thresholds rest on, baseline versus fault, per member, from any
 * Prometheus holding a scenario (the live lab, or a fixture loaded by test/support/fixture-prometheus.ts)
 * plus the members' log files. Windows are whole: increase()/rate() over exactly the baseline and the
 * fault interval, evaluated at the interval's end.
 */

export interface SignalsInput {
  prometheus: string;
  baselineStart: number;
  faultStart: number;
  faultEnd: number;
  logFiles?: Record<string, string>;
  member?: string;
}

type PerMember = Record<string, number>;
export interface SignalRow { signal: string; unit: string; baseline: PerMember; fault: PerMember }

async function instant(url: string, query: string, time: number): Promise<PerMember> {
  const qs = new URLSearchParams({ query, time: String(time) });
  const r = await fetch(`${url}/api/v1/query?${qs.toString()}`, { signal: AbortSignal.timeout(30_000) });
  const j = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (j.status !== 'success') throw new Error(`${query}: ${j.error}`);
  const out: PerMember = {};
  for (const s of j.data.result) out[s.metric.instance ?? 'all'] = Number(s.value[1]);
  return out;
}

/** Query templates; `W` becomes the window in seconds. */
const SIGNALS: { signal: string; unit: string; q: string }[] = [
  { signal: 'WAL fsync p99', unit: 's', q: 'histogram_quantile(0.99, sum by (instance, le) (increase(etcd_disk_wal_fsync_duration_seconds_bucket{job="etcd"}[Ws])))' },
  { signal: 'backend commit p99', unit: 's', q: 'histogram_quantile(0.99, sum by (instance, le) (increase(etcd_disk_backend_commit_duration_seconds_bucket{job="etcd"}[Ws])))' },
  { signal: 'peer RTT p99 (from member, all To)', unit: 's', q: 'histogram_quantile(0.99, sum by (instance, le) (increase(etcd_network_peer_round_trip_time_seconds_bucket{job="etcd"}[Ws])))' },
  { signal: 'unary gRPC p99 (extensive only)', unit: 's', q: 'histogram_quantile(0.99, sum by (instance, le) (increase(grpc_server_handling_seconds_bucket{job="etcd",grpc_type="unary"}[Ws])))' },
  { signal: 'gRPC requests/s', unit: '/s', q: 'sum by (instance) (rate(grpc_server_handled_total{job="etcd",grpc_type="unary"}[Ws]))' },
  { signal: 'client gRPC bytes sent/s', unit: 'B/s', q: 'sum by (instance) (rate(etcd_network_client_grpc_sent_bytes_total{job="etcd"}[Ws]))' },
  { signal: 'slow applies (increase)', unit: '', q: 'sum by (instance) (increase(etcd_server_slow_apply_total{job="etcd"}[Ws]))' },
  { signal: 'apply backlog max (committed-applied)', unit: '', q: 'max by (instance) (max_over_time((etcd_server_proposals_committed_total{job="etcd"} - etcd_server_proposals_applied_total{job="etcd"})[Ws:1s]))' },
  { signal: 'proposals pending max', unit: '', q: 'max by (instance) (max_over_time(etcd_server_proposals_pending{job="etcd"}[Ws]))' },
  { signal: 'proposals committed/s', unit: '/s', q: 'max by (instance) (deriv(etcd_server_proposals_committed_total{job="etcd"}[Ws]))' },
  { signal: 'leader changes (increase)', unit: '', q: 'sum by (instance) (increase(etcd_server_leader_changes_seen_total{job="etcd"}[Ws]))' },
  { signal: 'heartbeat send failures (increase)', unit: '', q: 'sum by (instance) (increase(etcd_server_heartbeat_send_failures_total{job="etcd"}[Ws]))' },
  { signal: 'slow read indexes (increase)', unit: '', q: 'sum by (instance) (increase(etcd_server_slow_read_indexes_total{job="etcd"}[Ws]))' },
  { signal: 'peer sent failures (increase)', unit: '', q: 'sum by (instance) (increase(etcd_network_peer_sent_failures_total{job="etcd"}[Ws]))' },
  { signal: 'failed proposals (increase)', unit: '', q: 'sum by (instance) (increase(etcd_server_proposals_failed_total{job="etcd"}[Ws]))' },
  { signal: 'process CPU', unit: 'cores', q: 'sum by (instance) (rate(process_cpu_seconds_total{job="etcd"}[Ws]))' },
  { signal: 'RSS max', unit: 'B', q: 'max by (instance) (max_over_time(process_resident_memory_bytes{job="etcd"}[Ws]))' },
  { signal: 'node CPU pressure (waiting s/s)', unit: '', q: 'sum by (instance) (rate(node_pressure_cpu_waiting_seconds_total{job="node"}[Ws]))' },
  { signal: 'node IO pressure (waiting s/s)', unit: '', q: 'sum by (instance) (rate(node_pressure_io_waiting_seconds_total{job="node"}[Ws]))' },
  // The busiest device's own numbers (recordings made since node_disk_* is kept).
  { signal: 'node disk busy (s/s, busiest device)', unit: '', q: 'max by (instance) (rate(node_disk_io_time_seconds_total{job="node"}[Ws]))' },
  { signal: 'node disk write latency (mean, busiest device)', unit: 's', q: 'max by (instance) (rate(node_disk_write_time_seconds_total{job="node"}[Ws]) / rate(node_disk_writes_completed_total{job="node"}[Ws]))' },
  { signal: 'node disk queue (mean in flight, busiest device)', unit: '', q: 'max by (instance) (rate(node_disk_io_time_weighted_seconds_total{job="node"}[Ws]))' },
];

export async function measure(x: SignalsInput): Promise<SignalRow[]> {
  const wb = Math.floor(x.faultStart - x.baselineStart);
  const wf = Math.floor(x.faultEnd - x.faultStart);
  const rows: SignalRow[] = [];
  for (const s of SIGNALS) {
    rows.push({
      signal: s.signal,
      unit: s.unit,
      baseline: await instant(x.prometheus, s.q.replaceAll('[Ws', `[${wb}s`), x.faultStart),
      fault: await instant(x.prometheus, s.q.replaceAll('[Ws', `[${wf}s`), x.faultEnd),
    });
  }
  return rows;
}

/** One log line → (time ms, normalised message, level); ids, numbers and trace ids become placeholders. */
export function parseLogLine(line: string): { t: number; msg: string; level: string } | undefined {
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as { ts?: string; msg?: string; level?: string };
      if (!o.ts || !o.msg) return undefined;
      return { t: Date.parse(o.ts), msg: normalise(o.msg), level: o.level ?? '' };
    } catch {
      return undefined;
    }
  }
  // capnslog: 2026-11-21 16:01:18.364021 W | etcdserver: text
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+) ([CEWNID]) \| ([^:]+): (.*)$/.exec(line);
  if (!m) return undefined;
  const levels: Record<string, string> = { C: 'crit', E: 'error', W: 'warn', N: 'notice', I: 'info', D: 'debug' };
  return { t: Date.parse(`${m[1]}T${m[2]!.slice(0, 12)}Z`), msg: normalise(`${m[4]}: ${m[5]}`), level: levels[m[3]!] ?? '' };
}

function normalise(msg: string): string {
  return msg
    .replace(/trace\[\d+\]/g, 'trace[N]')
    .replace(/\b[0-9a-f]{12,16}\b/g, '<id>')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+(\.\d+)?(ms|µs|s|ns)\b/g, '<dur>')
    .replace(/\b\d+\b/g, 'N')
    .slice(0, 140);
}

export function countLogs(files: Record<string, string>, from: number, to: number): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [member, file] of Object.entries(files)) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const p = parseLogLine(line);
      if (!p || p.t < from || p.t > to) continue;
      // INFO lines are mostly routine; keep them only for leadership and traces, which carry the story.
      if (p.level === 'info' || p.level === 'notice' || p.level === 'debug') {
        if (!/trace\[N\]|elected leader|became leader|lost leader|changed leader|became candidate|starting a new election|finished scheduled compaction|triggering snapshot/.test(p.msg)) continue;
      }
      const key = p.msg;
      out[key] ??= {};
      out[key]![member] = (out[key]![member] ?? 0) + 1;
    }
  }
  return out;
}

const fmt = (v: number | undefined, unit: string): string => {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (unit === 's') return v >= 1 ? `${v.toFixed(2)} s` : `${(v * 1000).toFixed(1)} ms`;
  if (unit === 'B/s' || unit === 'B') return v >= 1e6 ? `${(v / 1e6).toFixed(1)} M${unit}` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k${unit}` : `${v.toFixed(0)} ${unit}`;
  return `${Number.isInteger(v) ? v : v.toFixed(v < 10 ? 2 : 0)}${unit ? ` ${unit}` : ''}`;
};

export function renderSignals(rows: SignalRow[], logs: { baseline: Record<string, Record<string, number>>; fault: Record<string, Record<string, number>> } | undefined, members: string[]): string {
  const head = `| signal | ${members.map((m) => `${m} base → fault`).join(' | ')} |`;
  const lines = [head, `|---|${members.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const all = new Set([...Object.keys(r.baseline), ...Object.keys(r.fault)]);
    const cols = all.has('lab-host') ? ['lab-host'] : members;
    lines.push(`| ${r.signal} | ${cols.map((m) => `${fmt(r.baseline[m], r.unit)} → ${fmt(r.fault[m], r.unit)}`).join(' | ')}${cols.length < members.length ? ' (node)' : ''} |`);
  }
  if (logs) {
    lines.push('', `| log message (warn+, leadership, traces) | ${members.map((m) => `${m} base → fault`).join(' | ')} |`, `|---|${members.map(() => '---').join('|')}|`);
    const keys = new Set([...Object.keys(logs.baseline), ...Object.keys(logs.fault)]);
    for (const k of [...keys].sort()) lines.push(`| \`${k}\` | ${members.map((m) => `${logs.baseline[k]?.[m] ?? 0} → ${logs.fault[k]?.[m] ?? 0}`).join(' | ')} |`);
  }
  return lines.join('\n');
}

export async function printSignals(o: { prometheus: string; faultStart: string; faultEnd: string; baselineStart?: string; member?: string; logDir?: string }): Promise<void> {
  const faultStart = Date.parse(o.faultStart) / 1000;
  const faultEnd = Date.parse(o.faultEnd) / 1000;
  const baselineStart = o.baselineStart ? Date.parse(o.baselineStart) / 1000 : faultStart - 90;
  say(`measuring baseline ${new Date(baselineStart * 1000).toISOString()} … fault ${o.faultStart} → ${o.faultEnd}`);
  const rows = await measure({ prometheus: o.prometheus, baselineStart, faultStart, faultEnd });
  console.log(renderSignals(rows, undefined, ['etcd-1', 'etcd-2', 'etcd-3']));
}
