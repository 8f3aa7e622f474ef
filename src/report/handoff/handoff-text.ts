import type { HandoffSummary } from '../../handoff/summary.js';
import { utcText } from '../../handoff/time-text.js';
import { clusterHeadline, clusterSections, outstandingLine, periodLine, type Style } from './handoff-lines.js';
import type { OutputFormat } from '../render.js';

const plain: Style = {
  bold: (s) => s,
  esc: (s) => s,
  code: (s) => `\`${s.replace(/`/g, "'")}\``,
  link: (url, label) => `${label}: ${url}`,
  time: (iso) => utcText(iso),
  user: (id) => `<@${id}>`,
  group: (id) => `<!subteam^${id}>`,
};

const markdown: Style = {
  bold: (s) => `**${s}**`,
  esc: (s) => s.replace(/([\\`*_[\]<>|])/g, '\\$1'),
  code: (s) => `\`${s.replace(/`/g, "'")}\``,
  link: (url, label) => `[${label}](${url})`,
  time: (iso) => utcText(iso),
  user: (id) => `@${id}`,
  group: (id) => `@${id}`,
};

/** The handoff for a terminal or a document: the same words as in Slack, parent first, then details. */
export function renderHandoff(s: HandoffSummary, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(s, null, 2);
  const md = format === 'markdown';
  const st = md ? markdown : plain;
  const out: string[] = [];
  out.push(md ? `# Shift handoff` : 'SHIFT HANDOFF', periodLine(s, st), '');
  for (const c of s.clusters) out.push(`${md ? '- ' : ''}${clusterHeadline(c, st)} · ${outstandingLine(c)}`);
  for (const c of s.clusters) {
    out.push('', md ? `## ${c.cluster}` : `== ${c.cluster} ==`);
    for (const sec of clusterSections(c, st)) {
      out.push(md ? `### ${sec.title}` : `${sec.title}:`);
      for (const l of sec.lines) out.push(md ? `- ${l}` : `  ${l}`);
    }
  }
  return out.join('\n');
}
