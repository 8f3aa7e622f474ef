import type { Diagnosis } from '../diagnosis/types.js';
import { formatDuration } from '../diagnosis/window.js';
import { checkLine, expensiveLine, membersLine, waitingLine, notableChecks, verdictIcon, windowText } from './summary-lines.js';

/** Terminal and markdown renderings of a diagnosis; `md` decides the emphasis and code syntax. */
export function renderText(d: Diagnosis, md = false): string {
  const bold = (s: string): string => (md ? `**${s}**` : s);
  const out: string[] = [];
  out.push(`${md ? '## ' : ''}${verdictIcon(d)} ${d.cluster}: ${d.headline}`);
  out.push(`window: last ${formatDuration(d.window.seconds)} (${windowText(d)}) · ${membersLine(d)}`);
  out.push('');
  if (d.causes.length > 0) {
    out.push(md ? '### Causes, most likely first' : 'Causes, most likely first:');
    d.causes.forEach((c, i) => {
      out.push(`${i + 1}. ${bold(c.title)} on ${c.members.join(', ') || 'all members'} — ${c.severity}, ${c.confidence} confidence`);
      out.push(`   ${c.summary}`);
    });
    out.push('');
  }
  const waiting = d.waiting_requests ?? [];
  if (d.consequences.length > 0 || waiting.length > 0) {
    out.push(md ? '### Effects' : 'Effects:');
    for (const c of d.consequences) {
      out.push(`- ${c.summary}${c.attributed_to ? ` (explained by ${c.attributed_to})` : ' (cause not identified)'}`);
    }
    for (const w of waiting) out.push(`- ${waitingLine(w)}${w.attributed_to ? ` (explained by ${w.attributed_to})` : ''}`);
    out.push('');
  }
  const info = d.information ?? [];
  if (info.length > 0) {
    out.push(md ? '### Worth knowing (slows nothing now)' : 'Worth knowing (slows nothing now):');
    for (const c of info) out.push(`- ${c.title} on ${c.members.join(', ') || 'all members'}: ${c.summary}`);
    out.push('');
  }
  out.push(md ? '### Evidence' : 'Evidence:');
  for (const c of notableChecks(d)) out.push(`- ${checkLine(c, bold)}`);
  out.push('');
  if (d.expensive_requests.length > 0) {
    out.push(md ? '### Expensive requests (from the logs)' : 'Expensive requests (from the logs):');
    for (const r of d.expensive_requests) out.push(`- ${expensiveLine(r)}`);
    out.push('');
  }
  if (d.timeline.length > 0) {
    out.push(md ? '### Timeline' : 'Timeline:');
    for (const t of d.timeline) out.push(`- ${t.at.slice(11, 19)} ${t.text}`);
    out.push('');
  }
  if (d.suggestions.length > 0) {
    out.push(md ? '### What to do' : 'What to do:');
    for (const s of d.suggestions) {
      out.push(`- ${s.text}`);
      if (s.command) out.push(md ? `  \`\`\`\n  ${s.command}\n  \`\`\`` : `    $ ${s.command}`);
    }
    out.push('');
  }
  if (d.missing_evidence.length > 0) {
    out.push(md ? '### Missing evidence' : 'Missing evidence:');
    for (const m of d.missing_evidence) out.push(`- ${m.playbook}/${m.check}: ${m.reason}`);
    out.push('');
  }
  out.push(
    `${d.evidence.queries} queries (${d.evidence.failed_queries} failed), ${d.evidence.log_events} log events, collected in ${d.evidence.duration_ms} ms`,
  );
  return out.join('\n');
}
