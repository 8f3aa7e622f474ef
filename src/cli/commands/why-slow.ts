import { writeFileSync } from 'node:fs';
import { parseWindow } from '../../diagnosis/window.js';
import { runDiagnosis, prometheusUnreachable } from '../../diagnosis/run.js';
import { PrometheusRegistry } from '../../sources/prometheus/registry.js';
import { render, type OutputFormat } from '../../report/render.js';
import { createLogCollector } from '../../diagnosis/evidence/log-collector.js';
import { CliError, EXIT } from '../exit.js';
import { parseRfc3339, RFC3339_EXAMPLE } from '../../config/rfc3339.js';
import { loadAll, requireCluster } from '../context.js';
import { checkChartDir, writeChartFiles } from './chart-files.js';

export interface WhySlowOptions {
  config?: string;
  playbooks?: string;
  window?: string;
  format: OutputFormat;
  end?: string;
  focus?: string;
  saveEvidence?: string;
  /** Folder to write the diagnosis' charts into, as PNG. */
  charts?: string;
}

/** `etcd-triage why-slow <cluster>`: the same diagnosis as in Slack, in-process, no Redis, no Slack. */
export async function whySlow(cluster: string, opts: WhySlowOptions): Promise<{ output: string; exitCode: number; notes: string[] }> {
  const { config, playbooks } = loadAll(opts.config, opts.playbooks);
  requireCluster(config, cluster);
  const w = parseWindow(opts.window ?? config.defaults.window);
  if (!w.ok) throw new CliError(w.reason, EXIT.usage);
  if (opts.end !== undefined && parseRfc3339(opts.end) === undefined) {
    const shown = opts.end.length > 40 ? `${opts.end.slice(0, 40)}…` : opts.end;
    throw new CliError(`--end ${JSON.stringify(shown)} is not an RFC 3339 time: give date, time and zone, e.g. ${RFC3339_EXAMPLE}`, EXIT.usage);
  }
  const focus = opts.focus?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = focus?.filter((f) => !playbooks.some((p) => p.id === f)) ?? [];
  if (unknown.length > 0) {
    throw new CliError(`unknown playbook(s) ${unknown.join(', ')}; known: ${playbooks.map((p) => p.id).join(', ')}`, EXIT.usage);
  }
  if (opts.charts !== undefined) checkChartDir(opts.charts);
  const prometheus = new PrometheusRegistry(config);
  const collectLogs = createLogCollector(config);
  try {
    const { evidence, diagnosis } = await runDiagnosis(
      { config, playbooks, prometheus, collectLogs },
      { cluster, windowSeconds: w.seconds, endTime: opts.end, focus, origin: { kind: 'cli' } },
    );
    if (opts.saveEvidence) writeFileSync(opts.saveEvidence, JSON.stringify(evidence));
    const down = prometheusUnreachable(evidence);
    if (down) {
      throw new CliError(`Prometheus for ${cluster} (${config.clusters[cluster]!.prometheus.url}) did not answer: ${down}`, EXIT.prometheusUnreachable);
    }
    const notes = opts.charts === undefined ? [] : await writeChartFiles(opts.charts, diagnosis, evidence, playbooks, prometheus.forCluster(cluster));
    return { output: render(diagnosis, opts.format), exitCode: 0, notes };
  } finally {
    await Promise.all([prometheus.close(), collectLogs.close()]);
  }
}
