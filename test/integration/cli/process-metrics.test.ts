import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { metricValue } from '../../support/metrics-text.js';
import { freePort, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { sendSlashCommand } from '../../support/slack-sign.js';
import { SlackStandin } from '../../support/slack-standin.js';

/**
 * What Prometheus scrapes from the processes as deployed: `start` (front + worker process) serves the
 * worker process's job metrics on its own /metrics, and a worker deployed on its own (`worker --port`)
 * serves health, readiness and metrics, so probes and the ServiceMonitor reach it too.
 */
const SECRET = 'metrics-signing-secret';
const CHANNEL = 'C0METRICS';

let prom: LoadedScenario;
let slack: SlackStandin;
let redis: RunningProcess & { url: string };
let configFile: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [prom, slack, redis] = await Promise.all([
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
    startRedis(),
  ]);
  configFile = join(tempDir('process-metrics'), 'config.yaml');
  writeFileSync(
    configFile,
    `server: { host: 127.0.0.1 }
clusters:
  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 2000 }
    selector: { job: etcd }
    slack: { channels: ["${CHANNEL}"] }
`,
  );
}, 120_000);

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
  }
  await Promise.all([prom?.stop(), slack?.stop(), redis?.stop()]);
});

async function cli(args: string[], port: number): Promise<{ url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--config', configFile], {
    cwd: process.cwd(),
    env: { ...process.env, SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LOG_LEVEL: 'info', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${args[0]} ready`, async () => stderr.includes('"msg":"ready"') && (await fetch(`${url}/readyz`)).status === 200, 60_000, 100).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${stderr.slice(-3000)}`);
  });
  return { url, stderr: () => stderr };
}

describe('metrics of the processes', () => {
  it("`start` serves its worker process's job metrics: a diagnosis run there is counted on the front's /metrics", async () => {
    const { url } = await cli(['start'], await freePort());
    const res = await sendSlashCommand(`${url}/slack/commands`, SECRET, { text: 'why-slow lab 5m', channel_id: CHANNEL });
    expect(res.status).toBe(200);
    await waitFor('the verdict in a thread', () => {
      const p = slack.history(CHANNEL)[0];
      return p !== undefined && /Slow disk on/.test(p.text) && slack.threadReplies(CHANNEL, p.ts).length === 1;
    }, 60_000);
    let text = '';
    await waitFor('the job counted', async () => {
      text = await (await fetch(`${url}/metrics`)).text();
      return (metricValue(text, 'etcd_triage_jobs_total{queue="diagnose",outcome="completed"}') ?? 0) >= 1;
    }, 10_000, 200);
    expect(metricValue(text, 'etcd_triage_diagnosis_duration_seconds_count{cluster="lab"}')).toBe(1);
    // Counted in the front itself: the command.
    expect(metricValue(text, 'etcd_triage_commands_received_total{command="why-slow",outcome="enqueued"}')).toBe(1);
  });

  it('a worker on its own serves /healthz, /readyz and /metrics on the port it is given', async () => {
    const { url } = await cli(['worker'], await freePort());
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('# TYPE etcd_triage_jobs_total counter');
    // It is not a Slack front.
    expect((await fetch(`${url}/slack/commands`, { method: 'POST' })).status).toBe(404);
  });
});
