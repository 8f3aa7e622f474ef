import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogCollector } from '../../src/diagnosis/log-collector.js';
import type { Playbook } from '../../src/diagnosis/playbook/schema.js';
import { runDiagnosis } from '../../src/diagnosis/run.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import type { LoadedScenario } from './fixture-prometheus.js';

/** The etcd-triage config for a loaded recording: its Prometheus, its jobs, its members' log files. */
export function scenarioConfig(s: LoadedScenario): Config {
  const logs = Object.entries(s.logFiles)
    .map(([member, path]) => `      - { type: file, path: "${path}", member: ${member} }`)
    .join('\n');
  return parseConfigText(
    `clusters:
  lab:
    prometheus: { url: "${s.url}" }
    selector: { job: ${s.meta.prometheus.etcdJob} }
    nodeExporter: { selector: { job: ${s.meta.prometheus.nodeJob} } }
    logs:
${logs}
`,
    'recorded.yaml',
    {},
  );
}

/**
 * A full diagnosis of a recording (all playbooks, logs included), as `why-slow lab` would have
 * answered at `endS` (unix seconds) over the last `windowSeconds`.
 */
export async function diagnoseAt(s: LoadedScenario, playbooks: Playbook[], endS: number, windowSeconds: number) {
  const config = scenarioConfig(s);
  const prometheus = new PrometheusRegistry(config);
  const collectLogs = createLogCollector(config);
  try {
    return await runDiagnosis(
      { config, playbooks, prometheus, collectLogs },
      { cluster: 'lab', windowSeconds, endTime: new Date(Math.floor(endS) * 1000).toISOString(), origin: { kind: 'cli' } },
    );
  } finally {
    await Promise.all([prometheus.close(), collectLogs.close()]);
  }
}
