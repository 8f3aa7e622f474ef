import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir, waitFor } from './processes.js';

/**
 * The bot as operators run it: `etcd-triage serve` and `etcd-triage worker` as separate processes of the
 * real CLI, from source, each with its own log file. Fronts are ready when /healthz answers, workers
 * when they log that they are ready. Stopped by pid (SIGTERM, SIGKILL after 15 s).
 */
export interface BotProcess {
  mode: 'serve' | 'worker';
  pid: number;
  /** Fronts only: http://127.0.0.1:PORT */
  url?: string;
  logFile: string;
  log(): string;
  stop(): Promise<void>;
  /** SIGKILL, as a node or container dies: no shutdown of any kind. Resolves once it is gone. */
  kill(): Promise<void>;
}

export interface BotEnv {
  REDIS_URL: string;
  SLACK_BOT_TOKEN: string;
  SLACK_SIGNING_SECRET: string;
  SLACK_API_URL: string;
  [name: string]: string;
}

export function writeConfig(yaml: string): string {
  const file = join(tempDir('bot-config'), 'etcd-triage.yaml');
  writeFileSync(file, yaml);
  return file;
}

/**
 * The storm tests' config: one cluster per channel (`<tag>-<i>`, selector job `etcd-<tag>-<i>`) reading the
 * given Prometheus, the webhook behind AM_TOKEN, and `extra` clusters appended as YAML.
 */
export function writeStormConfig(tag: string, channels: readonly string[], prometheusUrl: string, extra = ''): string {
  const clusters = channels
    .map((ch, i) => `  ${tag}-${i}:\n    prometheus: { url: "${prometheusUrl}", timeoutMs: 2000 }\n    selector: { job: etcd-${tag}-${i} }\n    alerts: { channel: ${ch} }\n`)
    .join('');
  return writeConfig(`
alertmanager:
  auth: { tokenEnv: AM_TOKEN }
  fallbackChannel: C0FALLBACK
clusters:
${extra}${clusters}`);
}

/** The bot's environment for these tests: Redis, the Slack stand-in, and the webhook token. */
export const botEnv = (redisUrl: string, slack: { token: string; apiUrl: string }, signingSecret: string, webhookToken?: string): BotEnv => ({
  REDIS_URL: redisUrl,
  SLACK_BOT_TOKEN: slack.token,
  SLACK_SIGNING_SECRET: signingSecret,
  SLACK_API_URL: slack.apiUrl,
  ...(webhookToken === undefined ? {} : { AM_TOKEN: webhookToken }),
});

/** `port`: a front's port (default a free one), e.g. the port of a front it replaces. */
export async function startBotProcess(mode: 'serve' | 'worker', configFile: string, env: BotEnv, frontPort?: number): Promise<BotProcess> {
  const logFile = join(tempDir(`bot-${mode}`), `${mode}.log`);
  const fd = openSync(logFile, 'a');
  const port = mode === 'serve' ? (frontPort ?? (await freePort())) : undefined;
  const args = ['--import', 'tsx', 'src/cli/main.ts', mode, '--config', configFile, ...(port === undefined ? [] : ['--port', String(port)])];
  const child = spawn(process.execPath, args, {
    cwd: process.cwd(),
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', fd, fd],
  });
  if (child.pid === undefined) throw new Error(`could not start etcd-triage ${mode}`);
  const pid = child.pid;
  let exited = false;
  child.once('exit', () => { exited = true; });
  const log = (): string => readFileSync(logFile, 'utf8');
  const stop = async (): Promise<void> => {
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => { if (!exited) process.kill(pid, 'SIGKILL'); }, 15_000);
    await gone;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(pid, 'SIGKILL');
    await gone;
  };
  const url = port === undefined ? undefined : `http://127.0.0.1:${port}`;
  try {
    await waitFor(`etcd-triage ${mode} ready`, async () => {
      if (exited) throw new Error('exited');
      if (url !== undefined) return (await fetch(`${url}/healthz`)).ok;
      return /"msg":"ready"/.test(log());
    }, 60_000, 200);
  } catch (err) {
    await stop();
    throw new Error(`etcd-triage ${mode} did not start: ${(err as Error).message}\n--- log ---\n${log().slice(-3000)}`);
  }
  return { mode, pid, ...(url === undefined ? {} : { url }), logFile, log, stop, kill };
}

/** One start time for every test alert: a re-sent notification must be identical, as Alertmanager's are. */
const STARTED = new Date().toISOString();

/** A webhook body as Alertmanager sends it (version 4), for one group. */
export function notification(groupKey: string, alerts: Array<Record<string, string>>, status: 'firing' | 'resolved' = 'firing'): string {
  return JSON.stringify({
    version: '4',
    groupKey,
    status,
    receiver: 'etcd-triage',
    groupLabels: { alertname: alerts[0]!['alertname']! },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.invalid',
    truncatedAlerts: 0,
    alerts: alerts.map((labels) => ({
      status,
      labels,
      annotations: {},
      startsAt: STARTED,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16),
    })),
  });
}

/**
 * Posts like Alertmanager does: a 5xx or a refused connection is retried (with a short pause) until a
 * 2xx or the deadline; returns how many attempts it took. A 4xx is a bug in the test: it throws.
 */
export async function deliverWebhook(url: string, token: string, body: string, deadlineMs = 60_000): Promise<number> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    try {
      const res = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    if (status >= 200 && status < 300) return attempt;
    if (status >= 400 && status < 500) throw new Error(`webhook answered ${status}`);
    if (Date.now() > until) throw new Error(`webhook not accepted within ${deadlineMs} ms (last status ${status})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
