import type { types as SlackTypes } from '@slack/bolt';
import type { Diagnosis } from '../diagnosis/types.js';
import { formatDuration } from '../diagnosis/window.js';
import { codeBlock, cutMrkdwn, esc, mentionUser } from './slack-text.js';
import { checkLine, expensiveLine, membersLine, waitingLine, notableChecks, verdictIcon, windowText } from './summary-lines.js';

type KnownBlock = SlackTypes.KnownBlock;
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Slack's limit per section text is 3000 characters; stay clear of it. */
const SECTION_MAX = 2900;
const clip = (s: string, max = SECTION_MAX): string => cutMrkdwn(s, max);
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text) } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text) }] });

export type JobStage =
  | { stage: 'queued' }
  | { stage: 'collecting'; done: number; total: number }
  | { stage: 'failed'; reason: string; willRetry: boolean };

export interface ParentContext {
  cluster: string;
  windowSeconds: number;
  requestedBy?: string;
}

/** The parent message while the job runs: one line, edited in place. */
export function progressMessage(p: ParentContext, s: JobStage): SlackMessage {
  const what = `*${esc(p.cluster)}* · why-slow · last ${formatDuration(p.windowSeconds)}`;
  let line: string;
  switch (s.stage) {
    case 'queued':
      line = `🕐 ${what} — queued`;
      break;
    case 'collecting':
      line = `🔎 ${what} — collecting evidence (${s.done}/${s.total} queries)…`;
      break;
    case 'failed':
      line = `⚠️ ${what} — ${s.willRetry ? 'attempt failed, retrying' : 'could not finish'}: ${esc(s.reason)}`;
      break;
  }
  const blocks: KnownBlock[] = [section(line)];
  if (p.requestedBy) blocks.push(context(`asked by ${mentionUser(p.requestedBy)}`));
  return { text: clip(line.replace(/\*/g, ''), 3000), blocks };
}

/** The parent message when the diagnosis is done: the verdict a phone shows in the notification. */
export function verdictMessage(d: Diagnosis, p: ParentContext): SlackMessage {
  const top = d.causes[0];
  const conf = top ? ` _(${top.severity}, ${top.confidence} confidence)_` : '';
  const line = `${verdictIcon(d)} *${esc(d.cluster)}* — ${esc(d.headline)}${conf}`;
  const ctx = [
    `last ${formatDuration(d.window.seconds)} (${windowText(d)})`,
    `${d.evidence.queries} queries${d.evidence.failed_queries ? `, ${d.evidence.failed_queries} failed` : ''}`,
    d.missing_evidence.length > 0 ? `⚠️ ${d.missing_evidence.length} evidence gaps` : undefined,
    'details in thread',
    p.requestedBy ? `asked by ${mentionUser(p.requestedBy)}` : undefined,
  ].filter((x): x is string => x !== undefined);
  return { text: clip(`${esc(d.cluster)}: ${esc(d.headline)}`, 3000), blocks: [section(line), context(ctx.join(' · '))] };
}

/** The thread reply: causes, the numbers behind them, what to run, and what could not be seen. */
export function detailsMessage(d: Diagnosis): SlackMessage {
  const blocks: KnownBlock[] = [];
  const bold = (s: string): string => `*${s}*`;
  if (d.causes.length > 0) {
    const lines = d.causes.slice(0, 5).map(
      (c, i) => `${i + 1}. ${bold(esc(c.title))} on ${esc(c.members.join(', ') || 'all members')} — ${c.severity}, ${c.confidence} confidence\n     ${esc(c.summary)}`,
    );
    blocks.push(section(`*Causes, most likely first*\n${lines.join('\n')}`));
  } else if (d.healthy) {
    blocks.push(section(`✅ *No latency problem found.* The numbers:`));
  }
  const waiting = d.waiting_requests ?? [];
  if (d.consequences.length > 0 || waiting.length > 0) {
    const lines = [
      ...d.consequences.map((c) => `• ${esc(c.summary)}${c.attributed_to ? ` _(explained by ${esc(c.attributed_to)})_` : ' _(cause not identified)_'}`),
      ...waiting.map((w) => `• ${esc(waitingLine(w))}${w.attributed_to ? ` _(explained by ${esc(w.attributed_to)})_` : ''}`),
    ];
    blocks.push(section(`*Effects*\n${lines.join('\n')}`));
  }
  const info = d.information ?? [];
  if (info.length > 0) {
    const lines = info.map((c) => `• ${esc(c.title)} on ${esc(c.members.join(', ') || 'all members')}: ${esc(c.summary)}`);
    blocks.push(section(`*Worth knowing* (slows nothing now)\n${lines.join('\n')}`));
  }
  const evidence = notableChecks(d).map((c) => `• ${esc(checkLine(c, bold))}`);
  if (evidence.length > 0) blocks.push(section(`*Evidence*\n${evidence.join('\n')}`));
  if (d.expensive_requests.length > 0) {
    blocks.push(section(`*Expensive requests* (from the logs)\n${d.expensive_requests.map((r) => `• ${esc(expensiveLine(r))}`).join('\n')}`));
  }
  if (d.timeline.length > 0) {
    blocks.push(section(`*Timeline*\n${d.timeline.map((t) => `• \`${t.at.slice(11, 19)}\` ${esc(t.text)}`).join('\n')}`));
  }
  if (d.suggestions.length > 0) {
    blocks.push({ type: 'divider' });
    blocks.push(section('*What to do*'));
    for (const s of d.suggestions.slice(0, 8)) {
      blocks.push(section(`${esc(s.text)}${s.command ? `\n${codeBlock(s.command)}` : ''}`));
    }
  }
  if (d.missing_evidence.length > 0) {
    const lines = d.missing_evidence.slice(0, 10).map((m) => `• ${esc(`${m.playbook}/${m.check}`)}: ${esc(m.reason)}`);
    const more = d.missing_evidence.length > 10 ? `\n…and ${d.missing_evidence.length - 10} more` : '';
    blocks.push(section(`*Missing evidence* (not guessed around)\n${lines.join('\n')}${more}`));
  }
  blocks.push(context(`${esc(membersLine(d))} · ${d.evidence.queries} queries, ${d.evidence.log_events} log events, ${d.evidence.duration_ms} ms`));
  const text = [d.headline, ...d.causes.map((c) => c.summary), ...d.missing_evidence.map((m) => `missing: ${m.reason}`)].map(esc).join('\n');
  return { text: clip(text, 3000), blocks: blocks.slice(0, 50) };
}
