import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findObject, renderChart, type RenderedObject } from '../../support/helm.js';
import { freePort, tempDir, waitFor } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { ciValues, deployment, renderedConfigText, withValues, type Container, type DeploymentView } from './chart-fixtures.js';

/**
 * The pod the chart renders, run as Kubernetes would run it but as local processes: the init container's
 * arguments, then the main container's, with the rendered config file and the container's environment
 * (Secret values stood in for), against a real Redis and the Slack stand-in. The probes' paths and port, the
 * Service's target and the AlertmanagerConfig's URL path must all reach the real program.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const WEBHOOK_TOKEN = 'webhook-token-for-the-test';

let redis: Awaited<ReturnType<typeof startRedis>>;
let slack: SlackStandin;
let objs: RenderedObject[];
let pod: DeploymentView;
let port: number;
let configFile: string;

beforeAll(async () => {
  redis = await startRedis();
  slack = await SlackStandin.start();
  port = await freePort();
  const closedPort = await freePort();
  objs = renderChart(withValues(ciValues('http-external-redis'), {
    redis: { url: redis.url },
    // Loopback only here; in a pod the default 0.0.0.0 is what the probes need.
    config: {
      server: { host: '127.0.0.1', port },
      clusters: { 'control-plane': { prometheus: { url: `http://127.0.0.1:${closedPort}`, auth: { bearerTokenEnv: 'PROM_TOKEN' } } } },
    },
  }));
  pod = deployment(objs, 'etcd-triage');
  configFile = join(tempDir('helm-pod'), 'config.yaml');
  writeFileSync(configFile, renderedConfigText(objs));
});

afterAll(async () => {
  await slack?.stop();
  await redis?.stop();
});

/** The container's environment with the values Kubernetes would read from the Secrets. */
function containerEnv(c: Container): NodeJS.ProcessEnv {
  const secretValues: Record<string, string> = {
    'slack-bot-token': slack.token,
    'slack-signing-secret': 'signing-secret-for-the-test',
    'webhook-token': WEBHOOK_TOKEN,
    token: 'prometheus-token-for-the-test',
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    TMPDIR: process.env['TMPDIR'],
    // Not from the chart: Slack itself cannot be reached from here.
    SLACK_API_URL: slack.apiUrl,
  };
  for (const e of c.env) {
    const ref = e.valueFrom?.secretKeyRef;
    const value = e.value ?? (ref === undefined ? undefined : secretValues[ref.key]);
    if (value === undefined) throw new Error(`no stand-in value for ${e.name} (${JSON.stringify(e.valueFrom)})`);
    env[e.name] = value;
  }
  return env;
}

/** The container's args with the mounted config path pointing at the rendered file. */
const cliArgs = (c: Container): string[] => ['--import', 'tsx', 'src/cli/main.ts', ...c.args.map((a) => (a === '/etc/etcd-triage/config.yaml' ? configFile : a))];

describe('the rendered pod runs the real bot', () => {
  let child: ChildProcess | undefined;
  let exit: Promise<number | null> | undefined;
  let logFile = '';

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
  });

  it('the init container passes', () => {
    const res = spawnSync(process.execPath, cliArgs(pod.init), { cwd: ROOT, env: containerEnv(pod.init), encoding: 'utf8' });
    expect(res.stdout + res.stderr).toContain(`${configFile}: OK`);
    expect(res.status).toBe(0);
  });

  it('the main container starts and answers both probes on the container port', async () => {
    logFile = join(tempDir('helm-pod-log'), 'etcd-triage.log');
    const fd = openSync(logFile, 'a');
    child = spawn(process.execPath, cliArgs(pod.main), { cwd: ROOT, env: containerEnv(pod.main), stdio: ['ignore', fd, fd] });
    const c = child;
    exit = new Promise((res) => c.once('exit', (code) => res(code)));
    const containerPort = pod.main.ports!.find((p) => p.name === pod.main.livenessProbe!.httpGet!.port)!.containerPort;
    expect(containerPort).toBe(port);
    const base = `http://127.0.0.1:${containerPort}`;
    await waitFor('liveness probe', async () => {
      if (c.exitCode !== null) throw new Error(`exited ${c.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      return (await fetch(`${base}${pod.main.livenessProbe!.httpGet!.path}`)).status === 200;
    }, 60_000, 200).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- log ---\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    });
    const ready = await fetch(`${base}${pod.main.readinessProbe!.httpGet!.path}`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: 'ok' });
  });

  it("the AlertmanagerConfig's webhook path, with the token from the Secret, gets the notification to Slack", async () => {
    const amc = findObject(objs, 'AlertmanagerConfig') as RenderedObject & { spec: { receivers: Array<{ webhookConfigs: Array<{ url: string }> }> } };
    const path = new URL(amc.spec.receivers[0]!.webhookConfigs[0]!.url).pathname;
    const svc = findObject(objs, 'Service') as RenderedObject & { spec: { ports: Array<{ targetPort: string }> } };
    expect(svc.spec.ports[0]!.targetPort).toBe('http');
    const body = JSON.stringify({
      version: '4',
      groupKey: '{}:{alertname="NodeClockSkewDetected"}',
      status: 'firing',
      receiver: 'etcd-triage',
      groupLabels: { alertname: 'NodeClockSkewDetected' },
      commonLabels: { alertname: 'NodeClockSkewDetected', job: 'node-exporter' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.monitoring.svc:9093',
      alerts: [{
        status: 'firing',
        labels: { alertname: 'NodeClockSkewDetected', job: 'node-exporter' },
        annotations: { summary: 'clock skew' },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: 'a1b2c3d4',
      }],
    });
    const url = `http://127.0.0.1:${port}${path}`;
    const refused = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body });
    expect(refused.status).toBe(401);
    const accepted = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' }, body });
    expect(accepted.status).toBeLessThan(300);
    // No cluster matches a node-exporter alert: it goes to the fallback channel of the rendered config.
    const post = await slack.waitForCall((c) => c.method === 'chat.postMessage' && c.args['channel'] === 'C0123FALLBACK', 30_000);
    expect(JSON.stringify(post.args)).toContain('NodeClockSkewDetected');
  });

  it('stops on SIGTERM within the grace period', async () => {
    const c = child!;
    const started = Date.now();
    c.kill('SIGTERM');
    const code = await exit;
    // A generous bound: the grace period itself, after which Kubernetes would kill the pod.
    expect(Date.now() - started).toBeLessThan(pod.pod.terminationGracePeriodSeconds * 1000);
    expect(code).toBe(0);
  });
});
