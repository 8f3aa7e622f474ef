import type { Config, PrometheusConfig } from '../../config/schema.js';
import { watchSettings } from '../../config/watch-settings.js';
import { loadAll } from '../context.js';
import { EXIT } from '../exit.js';

/**
 * `etcd-triage check-config`: every problem with its path, or a summary of what is configured; with
 * `--probe`, also whether each cluster's selectors match series in its Prometheus.
 */
export async function checkConfig(opts: { config?: string; playbooks?: string; probe?: boolean }): Promise<{ output: string; exitCode: number }> {
  const { config, configPath, playbooks } = loadAll(opts.config, opts.playbooks);
  const lines = [`${configPath}: OK`];
  for (const [name, c] of Object.entries(config.clusters)) {
    const sel = Object.entries(c.selector).map(([k, v]) => `${k}="${v}"`).join(',');
    lines.push(
      `  cluster ${name}: prometheus ${c.prometheus.url}, members {${sel}} by ${c.memberLabel}, ` +
        `${c.slack ? `${c.slack.channels.length} channel(s)` : 'no Slack channels'}, ${c.logs.length} log source(s)` +
        backendExtras(c.prometheus) +
        watchText(config, name),
    );
  }
  lines.push(`playbooks: ${playbooks.map((p) => `${p.id} (${p.checks.length} checks)`).join(', ')}`);
  if (!opts.probe) return { output: lines.join('\n'), exitCode: 0 };

  const { probeClusters } = await import('./probe-selectors.js');
  const probe = await probeClusters(config);
  lines.push('probe:');
  for (const p of probe) lines.push(`  ${p.ok ? 'ok' : 'WARNING'} cluster ${p.cluster}: ${p.text}`);
  return { output: lines.join('\n'), exitCode: probe.every((p) => p.ok) ? 0 : EXIT.probeWarning };
}

/** What the Prometheus connection carries beyond a URL (names only, never values): one place to confirm it. */
function backendExtras(p: PrometheusConfig): string {
  const extras = [
    p.certFile ? 'client certificate' : undefined,
    Object.keys(p.headers).length > 0 ? `headers ${Object.keys(p.headers).join(', ')}` : undefined,
    Object.keys(p.queryParams).length > 0 ? `query parameters ${Object.keys(p.queryParams).join(', ')}` : undefined,
    p.thanos ? `thanos dedup=${p.thanos.dedup} partial_response=${p.thanos.partialResponse}` : undefined,
  ].filter((e): e is string => e !== undefined);
  return extras.length > 0 ? ` (prometheus with ${extras.join('; ')})` : '';
}

/** ", watched every 30 s into C0123 (warning after 2, recovered after 4)" or ", not watched". */
function watchText(config: Config, cluster: string): string {
  const w = watchSettings(config, cluster);
  if (!w.enabled) return ', not watched';
  return `, watched every ${w.intervalSeconds} s into ${w.channel ?? '(no channel)'} (warning after ${w.openAfter}, recovered after ${w.recoverAfter} evaluations)`;
}
