import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findObject, renderChart, type RenderedObject } from '../../support/helm.js';
import { freePort, tempDir, waitFor } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { ciValues, deployment, renderedConfigText, withValues, type Container, type DeploymentView, type Values } from './chart-fixtures.js';

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

beforeAll(async () => {
  redis = await startRedis();
  slack = await SlackStandin.start();
});

afterAll(async () => {
  await slack?.stop();
  await redis?.stop();
});

interface Rendered {
  objs: RenderedObject[];
  port: number;
  configFile: string;
}

/** The chart rendered for one topology, every address on loopback: Redis real, Prometheus and the API closed ports. */
async function renderFor(topology: 'combined' | 'split'): Promise<Rendered> {
  const port = await freePort();
  const closed = `http://127.0.0.1:${await freePort()}`;
  const cluster = { prometheus: { url: closed, auth: { bearerTokenEnv: 'PROM_TOKEN' } } };
  const values = topology === 'combined'
    ? withValues(ciValues('http-external-redis'), { redis: { url: redis.url } })
    : withValues(ciValues('split-kube-logs'), {
      redis: { url: redis.url, existingSecret: '' },
      secrets: ciValues('http-external-redis')['secrets'] as Values,
      config: { alertmanager: { auth: { tokenEnv: 'ETCD_TRIAGE_WEBHOOK_TOKEN' }, fallbackChannel: 'C0123FALLBACK' } },
      alertmanagerConfig: { enabled: true },
    });
  const logs = topology === 'split' ? { logs: [{ ...((values['config'] as { clusters: Record<string, { logs: object[] }> }).clusters['control-plane']!.logs[0]), apiUrl: closed }] } : {};
  const objs = renderChart(withValues(values, {
    // Loopback only here; in a pod the default 0.0.0.0 is what the probes need.
    config: { server: { host: '127.0.0.1', port }, clusters: { 'control-plane': { ...cluster, ...logs } } },
  }));
  const configFile = join(tempDir('helm-pod'), 'config.yaml');
  writeFileSync(configFile, renderedConfigText(objs));
  return { objs, port, configFile };
}

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
const cliArgs = (c: Container, configFile: string): string[] =>
  ['--import', 'tsx', 'src/cli/main.ts', ...c.args.map((a) => (a === '/etc/etcd-triage/config.yaml' ? configFile : a))];

/** The container with the value of its `--port` argument replaced. */
function withPortArg(c: Container, port: number): Container {
  const at = c.args.indexOf('--port');
  if (at < 0) throw new Error(`${c.name} has no --port argument`);
  return { ...c, args: c.args.map((a, i) => (i === at + 1 ? String(port) : a)) };
}

interface Running {
  child: ChildProcess;
  exit: Promise<number | null>;
  log(): string;
}

function runContainer(c: Container, configFile: string): Running {
  const logFile = join(tempDir('helm-pod-log'), `${c.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, cliArgs(c, configFile), { cwd: ROOT, env: containerEnv(c), stdio: ['ignore', fd, fd] });
  const exit = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, exit, log: () => readFileSync(logFile, 'utf8') };
}

async function killIfRunning(r: Running | undefined): Promise<void> {
  if (r !== undefined && r.child.exitCode === null && r.child.signalCode === null) {
    r.child.kill('SIGKILL');
    await r.exit;
  }
}

describe.each([
  ['combined', 'etcd-triage', undefined],
  ['split', 'etcd-triage-front', 'etcd-triage-workers'],
] as const)('the rendered pods run the real bot (%s)', (topology, frontName, workersName) => {
  let r: Rendered;
  let front: DeploymentView;
  let workers: DeploymentView | undefined;
  const running: Running[] = [];

  beforeAll(async () => {
    r = await renderFor(topology);
    front = deployment(r.objs, frontName);
    workers = workersName === undefined ? undefined : deployment(r.objs, workersName);
  });

  afterAll(async () => {
    for (const p of running) await killIfRunning(p);
  });

  it('the init containers pass', () => {
    for (const d of [front, ...(workers ? [workers] : [])]) {
      const res = spawnSync(process.execPath, cliArgs(d.init, r.configFile), { cwd: ROOT, env: containerEnv(d.init), encoding: 'utf8' });
      expect(res.stdout + res.stderr).toContain(`${r.configFile}: OK`);
      expect(res.status).toBe(0);
    }
  });

  it('the main containers start; the HTTP one answers both probes on the container port', async () => {
    const main = runContainer(front.main, r.configFile);
    running.push(main);
    let workerBase: string | undefined;
    if (workers) {
      // Pods have a network each; on this one host the workers' container port moves to a free one.
      const port = await freePort();
      workerBase = `http://127.0.0.1:${port}`;
      running.push(runContainer(withPortArg(workers.main, port), r.configFile));
    }
    const containerPort = front.main.ports!.find((p) => p.name === front.main.livenessProbe!.httpGet!.port)!.containerPort;
    expect(containerPort).toBe(r.port);
    const base = `http://127.0.0.1:${containerPort}`;
    await waitFor('liveness probe', async () => {
      for (const p of running) if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${p.log().slice(-2000)}`);
      return (await fetch(`${base}${front.main.livenessProbe!.httpGet!.path}`)).status === 200;
    }, 60_000, 200).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- log ---\n${main.log().slice(-2000)}`);
    });
    const ready = await fetch(`${base}${front.main.readinessProbe!.httpGet!.path}`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: 'ok' });
    if (workers && workerBase !== undefined) {
      // The workers answer their own probes, and serve the metrics the ServiceMonitor scrapes.
      await waitFor('workers liveness probe', async () => (await fetch(`${workerBase}${workers!.main.livenessProbe!.httpGet!.path}`)).status === 200, 60_000, 200);
      expect((await fetch(`${workerBase}${workers.main.readinessProbe!.httpGet!.path}`)).status).toBe(200);
      expect(await (await fetch(`${workerBase}/metrics`)).text()).toContain('# TYPE etcd_triage_jobs_total counter');
    }
  });

  it("the AlertmanagerConfig's webhook path, with the token from the Secret, gets the notification to Slack", async () => {
    const amc = findObject(r.objs, 'AlertmanagerConfig') as RenderedObject & { spec: { receivers: Array<{ webhookConfigs: Array<{ url: string }> }> } };
    const path = new URL(amc.spec.receivers[0]!.webhookConfigs[0]!.url).pathname;
    const svc = findObject(r.objs, 'Service') as RenderedObject & { spec: { ports: Array<{ targetPort: string }> } };
    expect(svc.spec.ports[0]!.targetPort).toBe('http');
    const alertname = `NodeClockSkewDetected${topology}`;
    const body = JSON.stringify({
      version: '4',
      groupKey: `{}:{alertname="${alertname}"}`,
      status: 'firing',
      receiver: 'etcd-triage',
      groupLabels: { alertname },
      commonLabels: { alertname, job: 'node-exporter' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.monitoring.svc:9093',
      alerts: [{
        status: 'firing',
        labels: { alertname, job: 'node-exporter' },
        annotations: { summary: 'clock skew' },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: `fp-${topology}`,
      }],
    });
    const url = `http://127.0.0.1:${r.port}${path}`;
    const refused = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body });
    expect(refused.status).toBe(401);
    const accepted = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' }, body });
    expect(accepted.status).toBeLessThan(300);
    // No cluster matches a node-exporter alert: it goes to the fallback channel of the rendered config,
    // posted by the workers (the same process when combined).
    // Generous: in the combined pod the workers are a child process that may still be starting on a busy machine.
    const post = await slack
      .waitForCall((c) => c.method === 'chat.postMessage' && c.args['channel'] === 'C0123FALLBACK' && JSON.stringify(c.args).includes(alertname), 90_000)
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\n${running.map((p) => `--- log ---\n${p.log().slice(-3000)}`).join('\n')}`);
      });
    expect(post.status).toBe(200);
  }, 120_000);

  it('stops on SIGTERM within the grace period', async () => {
    for (const p of running) {
      const started = Date.now();
      p.child.kill('SIGTERM');
      const code = await p.exit;
      // A generous bound: the grace period itself, after which Kubernetes would kill the pod.
      expect(Date.now() - started).toBeLessThan(front.pod.terminationGracePeriodSeconds * 1000);
      expect(code).toBe(0);
    }
  });
});
