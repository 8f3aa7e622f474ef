import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { createLogCollector } from '../../src/diagnosis/evidence/log-collector.js';
import { runDiagnosis, type RunResult } from '../../src/diagnosis/run.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import type { LoadedScenario } from './fixture-prometheus.js';
import { kubeLogSources } from './kube-shape.js';

const playbooks = loadPlaybooks();

/**
 * A kube-shaped recording (test/support/kube-shape.ts) diagnosed as the bot would with a
 * kube-prometheus-stack configuration: job kube-etcd, members by instance, named by pod, node_exporter
 * as job node-exporter. `cluster` overrides parts of that config (the node match, the display label).
 */
export async function diagnoseKubeShaped(
  s: Pick<LoadedScenario, 'url' | 'logFiles' | 'times'>,
  cluster: Record<string, unknown> = {},
  windowSeconds = Math.min(180, Math.floor(s.times.faultEnd - s.times.faultStart)),
): Promise<RunResult> {
  const config = parseConfigText(
    stringify({
      clusters: {
        prod: {
          prometheus: { url: s.url },
          selector: { job: 'kube-etcd' },
          memberLabel: 'instance',
          members: { displayLabel: 'pod' },
          nodeExporter: { selector: { job: 'node-exporter' } },
          logs: kubeLogSources(s.logFiles),
          ...cluster,
        },
      },
    }),
    'kube.yaml',
    {},
  );
  const registry = new PrometheusRegistry(config, {});
  const collectLogs = createLogCollector(config);
  try {
    return await runDiagnosis(
      { config, playbooks, prometheus: registry, collectLogs },
      { cluster: 'prod', windowSeconds, endTime: new Date(Math.floor(s.times.faultEnd) * 1000).toISOString(), origin: { kind: 'cli' } },
    );
  } finally {
    await Promise.all([registry.close(), collectLogs.close()]);
  }
}
