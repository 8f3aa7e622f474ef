/**
 * Slash command acknowledgement latency: signed `/etcd why-slow` requests into the real Bolt HTTP
 * receiver, timed from request sent to response read.
 *
 *   npx tsx test/bench/slack-ack.ts [requests per run, default 200]
 *
 * The bot's HTTP front runs in a child process (as in production, it does not share a CPU thread with
 * the load generator). Its enqueue is an in-memory function, NOT Redis: this measures the front alone
 * (signature check, parsing, validation, ephemeral answer). The Slack Web API is never called on this
 * path (the answer is the HTTP response), so no stand-in is involved either.
 *
 * Runs: sequential (1 in flight), closed loop with 50 in flight, and bursts of 50 sent at once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Agent } from 'undici';
import { configSchema } from '../../src/config/schema.js';
import { createSlackApp } from '../../src/ingress/slack/app.js';
import { startSlackServer } from '../../src/ingress/slack/server.js';
import { sendSlashCommand, type SignedResponse } from '../support/slack-sign.js';

const SECRET = 'bench-signing-secret';

async function serve(): Promise<void> {
  const config = configSchema.parse({
    clusters: { lab: { prometheus: { url: 'http://127.0.0.1:9' }, selector: { job: 'etcd' }, slack: { channels: ['C0LAB'] } } },
  });
  let n = 0;
  const app = createSlackApp({
    config,
    botToken: 'xoxb-bench',
    signingSecret: SECRET,
    slackApiUrl: 'http://127.0.0.1:9/api/',
    logger: pino({ level: 'silent' }),
    enqueueDiagnosis: async () => ({ jobId: String((n += 1)), deduplicated: false }),
  });
  const server = await startSlackServer(app, { host: '127.0.0.1', port: 0 });
  process.stdout.write(`${server.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summary(name: string, latencies: number[], wallMs: number, failures: number): string {
  const s = [...latencies].sort((a, b) => a - b);
  return (
    `${name.padEnd(28)} n=${s.length}  p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms  ` +
    `max ${s.at(-1)!.toFixed(2)} ms  ${((s.length / wallMs) * 1000).toFixed(0)} req/s  failures ${failures}`
  );
}

async function drive(total: number): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  const url = `${base}/slack/commands`;
  const dispatcher = new Agent({ connections: 64 });
  const send = (): Promise<SignedResponse> => sendSlashCommand(url, SECRET, { text: 'why-slow lab 15m' }, { dispatcher });
  const ok = (r: SignedResponse): boolean => r.status === 200 && r.body.includes('Investigating');

  console.log(`slash command ack latency; front in its own process; in-memory enqueue (no Redis); ${total} requests per run`);
  // Warm-up (JIT, 50 sockets), not measured.
  for (let i = 0; i < 4; i += 1) await Promise.all(Array.from({ length: 50 }, send));

  for (const concurrency of [1, 50]) {
    const latencies: number[] = [];
    let failures = 0;
    let issued = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (issued < total) {
          issued += 1;
          const r = await send();
          if (!ok(r)) failures += 1;
          latencies.push(r.latencyMs);
        }
      }),
    );
    console.log(summary(`closed loop, ${concurrency} in flight`, latencies, performance.now() - started, failures));
  }

  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  let busy = 0;
  for (let sent = 0; sent < total; sent += 50) {
    const t = performance.now();
    const burst = await Promise.all(Array.from({ length: Math.min(50, total - sent) }, send));
    busy += performance.now() - t;
    for (const r of burst) {
      if (!ok(r)) failures += 1;
      latencies.push(r.latencyMs);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  void started;
  console.log(summary('bursts of 50 at once', latencies, busy, failures));

  await dispatcher.close();
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
}

if (process.argv.includes('--serve')) {
  void serve();
} else {
  drive(Number(process.argv[2] ?? 200)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
