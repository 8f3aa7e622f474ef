import type { Config } from '../config/schema.js';
import type { PrometheusRegistry } from '../sources/prometheus/registry.js';
import type { Playbook } from './playbook/schema.js';
import type { DiagnosisRequest } from './request.js';
import type { Evidence } from './evidence/evidence.js';
import type { LogCollector } from './evidence/log-collector.js';
import type { Diagnosis } from './types.js';
import { collectEvidence } from './evidence/collect.js';
import { diagnose } from './judge/diagnose.js';

export interface RunDeps {
  config: Config;
  playbooks: Playbook[];
  prometheus: PrometheusRegistry;
  /** Reads the cluster's logs; absent or returning undefined when the cluster has none. */
  collectLogs?: LogCollector;
}

export interface RunResult {
  evidence: Evidence;
  diagnosis: Diagnosis;
}

/** Collect, then diagnose: the one path shared by the worker, the CLI and the alert triage. */
export async function runDiagnosis(
  deps: RunDeps,
  request: DiagnosisRequest,
  onProgress?: (done: number, total: number) => void,
): Promise<RunResult> {
  const cluster = deps.config.clusters[request.cluster];
  if (!cluster) throw new Error(`unknown cluster ${request.cluster}`);
  const playbooks = request.focus ? deps.playbooks.filter((p) => request.focus!.includes(p.id)) : deps.playbooks;
  const collectLogs = deps.collectLogs;
  const evidence = await collectEvidence({
    clusterName: request.cluster,
    cluster,
    playbooks,
    prometheus: deps.prometheus.forCluster(request.cluster),
    windowSeconds: request.windowSeconds,
    end: request.endTime ? Date.parse(request.endTime) / 1000 : undefined,
    collectLogs:
      collectLogs && cluster.logs.length > 0
        ? (start, end, signal) => collectLogs(request.cluster, start, end, signal)
        : undefined,
    onProgress,
  });
  return { evidence, diagnosis: diagnose(evidence, deps.playbooks) };
}

/** True when not one query got an answer: Prometheus is unreachable, not etcd unhealthy. */
export function prometheusUnreachable(evidence: Evidence): string | undefined {
  if (evidence.queries.length === 0 || evidence.queries.some((q) => !q.error)) return undefined;
  return evidence.queries[0]!.error!.message;
}
