import type { types as SlackTypes } from '@slack/bolt';
import type { Diagnosis } from '../diagnosis/types.js';
import { formatDuration } from '../diagnosis/window.js';
import { codeBlock, cutMrkdwn, esc, mentionUser } from './slack-text.js';
import { checkLine, decidingChecks, expensiveLine, membersLine, notableChecks, verdictIcon, waitingLine, windowText } from './summary-lines.js';

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

/**
 * A titled list in as many sections as it takes, each under Slack's limit: nothing is cut here. A reply
 * that ends up over Slack's block limits is trimmed at delivery, which attaches its full text as a file.
 */
function sections(title: string, lines: string[]): KnownBlock[] {
  const out: string[] = [];
  let current = title;
  for (const line of lines.map((l) => clip(l))) {
    if (current.length + 1 + line.length > SECTION_MAX) {
      out.push(current);
      current = line;
    } else {
      current = `${current}\n${line}`;
    }
  }
  out.push(current);
  return out.map((text) => section(text));
}

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
  // The cause and where; its numbers lead the thread's first reply (two lines fit a phone's preview).
  const short = top ? `${top.title} on ${top.members.join(', ') || 'all members'}` : d.headline;
  const line = `${verdictIcon(d)} *${esc(d.cluster)}* — ${esc(short)}${conf}`;
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
  const text = [d.headline, ...d.causes.map((c) => c.summary), ...d.missing_evidence.map((m) => `missing: ${m.reason}`)].map(esc).join('\n');
  return { text: clip(text, 3000), blocks: [verdictLead(d, `*${esc(d.headline)}*`), ...detailsBlocks(d)] };
}

/**
 * The first block of a thread: the verdict (`title`, mrkdwn) and the numbers that decided it, which is
 * what a phone shows before "show more".
 */
export function verdictLead(d: Diagnosis, title: string): KnownBlock {
  const deciding = decidingChecks(d).map((c) => `• ${esc(checkLine(c, (s) => `*${s}*`))}`);
  return section(`${verdictIcon(d)} ${title}${deciding.length > 0 ? `\n${deciding.join('\n')}` : ''}`);
}

/** The details after the lead: causes, effects, evidence, what to run, and what could not be seen. */
export function detailsBlocks(d: Diagnosis): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const bold = (s: string): string => `*${s}*`;
  if (d.causes.length > 0) {
    const lines = d.causes.slice(0, 5).map(
      (c, i) => `${i + 1}. ${bold(esc(c.title))} on ${esc(c.members.join(', ') || 'all members')} — ${c.severity}, ${c.confidence} confidence\n     ${esc(c.summary)}`,
    );
    blocks.push(...sections('*Causes, most likely first*', lines));
  } else if (d.healthy) {
    blocks.push(section(`✅ *No latency problem found.* The numbers:`));
  }
  const waiting = d.waiting_requests ?? [];
  if (d.consequences.length > 0 || waiting.length > 0) {
    const lines = [
      ...d.consequences.map((c) => `• ${esc(c.summary)}${c.attributed_to ? ` _(explained by ${esc(c.attributed_to)})_` : ' _(cause not identified)_'}`),
      ...waiting.map((w) => `• ${esc(waitingLine(w))}${w.attributed_to ? ` _(explained by ${esc(w.attributed_to)})_` : ''}`),
    ];
    blocks.push(...sections('*Effects*', lines));
  }
  const info = d.information ?? [];
  if (info.length > 0) {
    const lines = info.map((c) => `• ${esc(c.title)} on ${esc(c.members.join(', ') || 'all members')}: ${esc(c.summary)}`);
    blocks.push(...sections('*Worth knowing* (slows nothing now)', lines));
  }
  // The checks that decided the verdict lead the reply already; the rest of the evidence follows here.
  const deciding = new Set(decidingChecks(d));
  const evidence = notableChecks(d).filter((c) => !deciding.has(c)).map((c) => `• ${esc(checkLine(c, bold))}`);
  if (evidence.length > 0) blocks.push(...sections(`*${deciding.size > 0 ? 'More evidence' : 'Evidence'}*`, evidence));
  if (d.expensive_requests.length > 0) {
    blocks.push(...sections('*Expensive requests* (from the logs)', d.expensive_requests.map((r) => `• ${esc(expensiveLine(r))}`)));
  }
  if (d.timeline.length > 0) {
    blocks.push(...sections('*Timeline*', d.timeline.map((t) => `• \`${t.at.slice(11, 19)}\` ${esc(t.text)}`)));
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
  return blocks;
}
