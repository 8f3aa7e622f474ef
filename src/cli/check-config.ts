import { loadAll } from './context.js';

/** `etcd-triage check-config`: every problem with its path, or a summary of what is configured. */
export function checkConfig(opts: { config?: string; playbooks?: string }): string {
  const { config, configPath, playbooks } = loadAll(opts.config, opts.playbooks);
  const lines = [`${configPath}: OK`];
  for (const [name, c] of Object.entries(config.clusters)) {
    const sel = Object.entries(c.selector).map(([k, v]) => `${k}="${v}"`).join(',');
    lines.push(
      `  cluster ${name}: prometheus ${c.prometheus.url}, members {${sel}} by ${c.memberLabel}, ` +
        `${c.slack ? `${c.slack.channels.length} channel(s)` : 'no Slack channels'}, ${c.logs.length} log source(s)`,
    );
  }
  lines.push(`playbooks: ${playbooks.map((p) => `${p.id} (${p.checks.length} checks)`).join(', ')}`);
  return lines.join('\n');
}
