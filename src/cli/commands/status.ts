import { evaluateOnset } from '../../diagnosis/onset/evaluate.js';
import type { WatchEvaluation } from '../../diagnosis/onset/types.js';
import { PrometheusRegistry } from '../../sources/prometheus/registry.js';
import { statusLines, statusParts } from '../../report/status/status-lines.js';
import { parseRfc3339, RFC3339_EXAMPLE } from '../../config/rfc3339.js';
import { CliError, EXIT } from '../exit.js';
import { loadAll, requireCluster } from '../context.js';

export interface StatusOptions {
  config?: string;
  playbooks?: string;
  /** RFC 3339 time to evaluate at; default now. */
  at?: string;
  format: 'text' | 'json';
}

/** Clusters evaluated at once: each costs a handful of queries, and never all Prometheus servers at once. */
const CONCURRENCY = 8;

/**
 * `etcd-triage status [cluster|all]`: one line per cluster from an on-demand watch evaluation, no Redis,
 * no Slack. Exit 3 when a cluster's Prometheus could not be read (the line says so), 2 for bad input.
 */
export async function statusCli(target: string, opts: StatusOptions): Promise<{ output: string; exitCode: number }> {
  const { config, playbooks } = loadAll(opts.config, opts.playbooks);
  const names = target === 'all' ? Object.keys(config.clusters).sort() : [target];
  if (target !== 'all') requireCluster(config, target);
  let at: number | undefined;
  if (opts.at !== undefined) {
    const ms = parseRfc3339(opts.at);
    if (ms === undefined) {
      const shown = opts.at.length > 40 ? `${opts.at.slice(0, 40)}…` : opts.at;
      throw new CliError(`--at ${JSON.stringify(shown)} is not an RFC 3339 time: give date, time and zone, e.g. ${RFC3339_EXAMPLE}`, EXIT.usage);
    }
    at = Math.floor(ms / 1000);
  }
  const prometheus = new PrometheusRegistry(config);
  try {
    const evaluations: WatchEvaluation[] = new Array(names.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const i = next++;
        const name = names[i]!;
        evaluations[i] = await evaluateOnset({ clusterName: name, cluster: config.clusters[name]!, prometheus: prometheus.forCluster(name), playbooks, at });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));
    const unread = evaluations.some((ev) => statusParts(ev).health === 'no-data');
    const output =
      opts.format === 'json'
        ? JSON.stringify(evaluations.map((ev) => ({ ...ev, health: statusParts(ev).health })), null, 2)
        : statusLines(evaluations).join('\n');
    return { output, exitCode: unread ? EXIT.prometheusUnreachable : 0 };
  } finally {
    await prometheus.close();
  }
}
