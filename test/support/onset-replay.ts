import { evaluateOnset } from '../../src/diagnosis/onset/evaluate.js';
import type { WatchEvaluation } from '../../src/diagnosis/onset/types.js';
import type { Playbook } from '../../src/diagnosis/playbook/schema.js';
import { clusterSchema, prometheusSchema } from '../../src/config/schema.js';
import { PrometheusClient } from '../../src/sources/prometheus/client.js';
import { expectedOnset, judgeEvaluation, type OnsetJudgement } from './expected-onset.js';
import type { LoadedScenario } from './fixture-prometheus.js';

/** One evaluation of a recorded incident, at `offset` seconds from the fault's onset. */
export interface ReplayedTick {
  offset: number;
  evaluation: WatchEvaluation;
  judgement: OnsetJudgement;
}

/**
 * Evaluates a recorded incident as a watch would have, every `step` seconds from `from` seconds before
 * the onset to the end of the fault, with the cluster configured as the lab's (job etcd, node_exporter
 * job node), and judges each evaluation against the incident's expected causes.
 */
export async function replayOnset(s: LoadedScenario, playbooks: Playbook[], opts: { from?: number; step?: number } = {}): Promise<ReplayedTick[]> {
  const from = opts.from ?? -120;
  const step = opts.step ?? 15;
  const cluster = clusterSchema.parse({
    prometheus: { url: s.url },
    selector: { job: s.meta.prometheus.etcdJob },
    memberLabel: s.meta.prometheus.memberLabel,
    nodeExporter: { selector: { job: s.meta.prometheus.nodeJob } },
  });
  const prometheus = new PrometheusClient(prometheusSchema.parse({ url: s.url }));
  const expected = expectedOnset(s.name, s.meta);
  const ticks: ReplayedTick[] = [];
  try {
    for (let offset = from; s.times.faultStart + offset <= s.times.faultEnd; offset += step) {
      const evaluation = await evaluateOnset({ clusterName: s.name, cluster, prometheus, playbooks, at: s.times.faultStart + offset });
      ticks.push({ offset, evaluation, judgement: judgeEvaluation(evaluation, expected, offset >= 0) });
    }
  } finally {
    await prometheus.close();
  }
  return ticks;
}
