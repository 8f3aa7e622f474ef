/**
 * Alertmanager webhook acceptance: latency of the 2xx (which comes only after the notification is in
 * Redis) and sustained alerts per second, with a loss count (accepted vs found in the intake queue).
 *
 *   npx tsx test/bench/webhook.ts [seconds per sustained run, default 10]
 *
 * The bot's HTTP front (`serve`: Bolt receiver, webhook route, BullMQ producer) runs in a child process
 * against a real redis-server; no worker runs, so every accepted notification must still be waiting in
 * the intake queue at the end. Notifications are Alertmanager-shaped (version 4), 1 or 10 alerts each.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { startServices } from '../../src/cli/run/services.js';
import { readEnv } from '../../src/config/env.js';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startRedis } from '../support/redis.js';
import { reportBench } from './bench-result.js';

const TOKEN = 'bench-webhook-token';
const PREFIX = 'whbench';

async function serve(redisUrl: string): Promise<void> {
  const config = configSchema.parse({
    alertmanager: { auth: { tokenEnv: 'AM_TOKEN' }, fallbackChannel: 'C0FALLBACK' },
    clusters: { lab: { prometheus: { url: 'http://127.0.0.1:9' }, selector: { job: 'etcd' }, slack: { channels: ['C0LAB'] } } },
  });
  const services = await startServices('serve', {
    config,
    playbooks: [],
    env: readEnv({ SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench', REDIS_URL: redisUrl, LOG_LEVEL: 'silent' }),
    secrets: { AM_TOKEN: TOKEN },
    host: '127.0.0.1',
    port: 0,
    prefix: PREFIX,
    logger: createLogger('silent'),
  });
  process.stdout.write(`${services.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void services.stop().then(() => process.exit(0)));
}

function notification(seq: number, alerts: number): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="etcdHighFsyncDurations", job="etcd", bench="${seq % 500}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'etcd-triage',
    groupLabels: { alertname: 'etcdHighFsyncDurations', job: 'etcd' },
    commonLabels: { alertname: 'etcdHighFsyncDurations', job: 'etcd', severity: 'warning' },
    commonAnnotations: { summary: 'etcd cluster 99th percentile fsync durations are too high.' },
    externalURL: 'http://alertmanager:9093',
    alerts: Array.from({ length: alerts }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'etcdHighFsyncDurations', job: 'etcd', instance: `10.0.${seq % 250}.${i}:2379`, severity: 'warning' },
      annotations: { description: `etcd instance 10.0.${seq % 250}.${i}:2379 fsync durations are 0.7s.` },
      startsAt: now,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=histogram_quantile',
      fingerprint: `${seq.toString(16)}${i}`.padStart(16, '0'),
    })),
  });
}

/** The front's accept-time histogram (cumulative buckets), read from its /metrics. */
async function frontBuckets(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return new Map([...text.matchAll(/etcd_triage_webhook_accept_seconds_bucket\{le="([^"]+)"\} (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}
/** "≤10 ms 97.1%, ≤20 ms 99.6%" for the requests between two snapshots. */
function frontShare(before: Map<string, number>, after: Map<string, number>): string {
  const d = (le: string): number => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const all = d('+Inf');
  return ['0.005', '0.01', '0.02'].map((le) => `≤${Number(le) * 1000} ms ${((d(le) / all) * 100).toFixed(1)}%`).join(', ');
}

const pct = (s: number[], p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;

async function drive(seconds: number): Promise<void> {
  const redis = await startRedis();
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve', redis.url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`front exited with ${code}`)));
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  const url = `${base}/alertmanager`;
  const dispatcher = new Agent({ connections: 64 });
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('alert-intake', { connection: conn, prefix: PREFIX });
  let seq = 0;
  let acceptedAlerts = 0;
  let acceptedNotifications = 0;
  const statuses = new Map<number, number>();

  const send = async (alerts: number): Promise<number> => {
    const body = notification(seq++, alerts);
    const t0 = performance.now();
    const res = await request(url, { method: 'POST', dispatcher, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
    await res.body.text();
    const ms = performance.now() - t0;
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode === 200) {
      acceptedAlerts += alerts;
      acceptedNotifications += 1;
    }
    return ms;
  };

  console.log(`webhook acceptance; front in its own process; real Redis; 2 cores; ${seconds}s per sustained run`);
  // Warm-up (JIT, sockets, Redis), not measured.
  for (let i = 0; i < 3000; i++) await send(10);
  for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 32 }, () => send(10)));

  // Open loop at a fixed rate: latency as Alertmanager would see it at that load (no self-queueing).
  for (const [rate, alerts] of [[200, 10], [400, 10], [2000, 1]] as const) {
    const snap = await frontBuckets(base);
    const lat: number[] = [];
    const a0 = acceptedAlerts;
    const started = performance.now();
    const total = rate * seconds;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(send(alerts).then((ms) => void lat.push(ms)));
    }
    await Promise.all(pending);
    const wall = (performance.now() - started) / 1000;
    lat.sort((a, b) => a - b);
    console.log(
      `${`open loop ${rate}/s × ${alerts} alerts`.padEnd(26)} n=${lat.length}  p50 ${pct(lat, 50).toFixed(2)} ms  p99 ${pct(lat, 99).toFixed(2)} ms  max ${lat.at(-1)!.toFixed(1)} ms  ` +
        `${((acceptedAlerts - a0) / wall).toFixed(0)} alerts/s accepted; front-side ${frontShare(snap, await frontBuckets(base))}`,
    );
    if (rate * alerts === 2000) {
      reportBench({
        bench: 'webhook',
        what: `webhook 2xx after the Redis enqueue, ${rate} notifications/s × ${alerts} alert(s)`,
        budget: 'p99 ≤ 20 ms at 2,000 alerts/s',
        measured: `p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, ${((acceptedAlerts - a0) / wall).toFixed(0)} alerts/s`,
        pass: pct(lat, 99) <= 20 && (acceptedAlerts - a0) / wall >= 1900,
      });
    }
  }

  const runs: Array<{ name: string; concurrency: number; alerts: number; fixed?: number }> = [
    { name: 'sequential, 10 alerts', concurrency: 1, alerts: 10, fixed: 2000 },
    { name: '16 in flight, 10 alerts', concurrency: 16, alerts: 10 },
    { name: '64 in flight, 10 alerts', concurrency: 64, alerts: 10 },
    { name: '16 in flight, 1 alert', concurrency: 16, alerts: 1 },
    { name: '16 in flight, 100 alerts', concurrency: 16, alerts: 100 },
  ];
  for (const run of runs) {
    const lat: number[] = [];
    const a0 = acceptedAlerts;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    let issued = 0;
    await Promise.all(
      Array.from({ length: run.concurrency }, async () => {
        while (run.fixed !== undefined ? issued < run.fixed : performance.now() < deadline) {
          issued++;
          lat.push(await send(run.alerts));
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    lat.sort((a, b) => a - b);
    console.log(
      `${run.name.padEnd(26)} n=${lat.length}  p50 ${pct(lat, 50).toFixed(2)} ms  p99 ${pct(lat, 99).toFixed(2)} ms  max ${lat.at(-1)!.toFixed(1)} ms  ` +
        `${(lat.length / wall).toFixed(0)} notif/s  ${((acceptedAlerts - a0) / wall).toFixed(0)} alerts/s`,
    );
  }
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  const queued = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`accepted notifications ${acceptedNotifications} (${acceptedAlerts} alerts); in the intake queue ${queued}; lost ${acceptedNotifications - queued}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  reportBench({
    bench: 'webhook',
    what: 'webhook notifications accepted and found in the intake queue',
    budget: '0 lost',
    measured: `${acceptedNotifications} accepted, ${acceptedNotifications - queued} lost`,
    pass: acceptedNotifications === queued,
  });
  await queue.close();
  conn.disconnect();
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  await redis.stop();
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3]!);
} else {
  await drive(Number(process.argv[2] ?? 10));
}
