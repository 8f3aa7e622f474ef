import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, tempDir, type RunningProcess } from './processes.js';

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a private loopback port, gossip off, whose
 * only receiver is the bot's webhook. Tests push alerts through Alertmanager's own API, so what reaches
 * the bot is Alertmanager's real output, with its real grouping, repeats and retries.
 */
export interface AlertmanagerOptions {
  webhookUrl: string;
  /** Sent as `Authorization: Bearer …` through http_config.authorization. */
  token: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** webhook_config max_alerts: Alertmanager sends at most this many alerts and counts the rest in truncatedAlerts. */
  maxAlerts?: number;
}

export interface TestAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export interface RunningAlertmanager extends RunningProcess {
  url: string;
  /** POST /api/v2/alerts. */
  push(alerts: TestAlert[]): Promise<void>;
  /** Posts the same alerts again with endsAt in the past: Alertmanager resolves them. */
  resolve(alerts: TestAlert[]): Promise<void>;
}

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const dir = tempDir('alertmanager');
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    JSON.stringify({
      route: {
        receiver: 'etcd-triage',
        group_by: opts.groupBy ?? ['alertname', 'job'],
        group_wait: opts.groupWait ?? '1s',
        group_interval: opts.groupInterval ?? '1s',
        repeat_interval: opts.repeatInterval ?? '1h',
      },
      receivers: [
        {
          name: 'etcd-triage',
          webhook_configs: [
            {
              url: opts.webhookUrl,
              send_resolved: true,
              ...(opts.maxAlerts === undefined ? {} : { max_alerts: opts.maxAlerts }),
              http_config: { authorization: { type: 'Bearer', credentials: opts.token } },
            },
          ],
        },
      ],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: 'alertmanager',
    command: 'prometheus-alertmanager',
    args: [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty cluster address switches gossip off: a single instance, no peers to wait for.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    port,
    ready: async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok,
  });
  const post = async (alerts: TestAlert[]): Promise<void> => {
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((a) => ({ annotations: {}, generatorURL: 'http://prometheus.test/graph', ...a }))),
    });
    if (!res.ok) throw new Error(`alertmanager refused alerts: ${res.status} ${await res.text()}`);
  };
  const stopServer = proc.stop;
  return Object.assign(proc, {
    url,
    // Its config and silences go with it.
    stop: async (): Promise<void> => {
      await stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
    push: (alerts: TestAlert[]) => post(alerts.map((a) => ({ startsAt: new Date().toISOString(), ...a }))),
    resolve: (alerts: TestAlert[]) => {
      const past = new Date(Date.now() - 1000).toISOString();
      return post(alerts.map((a) => ({ ...a, startsAt: a.startsAt ?? new Date(Date.now() - 60_000).toISOString(), endsAt: past })));
    },
  });
}
