import type { types as SlackTypes } from '@slack/bolt';
import type { ClusterHandoff, HandoffSummary } from '../../handoff/summary.js';
import { slackTime } from '../../handoff/time-text.js';
import { clusterHeadline, clusterSections, outstandingLine, periodLine, type Style } from './handoff-lines.js';
import type { SlackMessage } from '../slack-blocks.js';
import { code, cutMrkdwn, cutText, esc, link, mentionGroup, mentionUser } from '../slack-text.js';

type KnownBlock = SlackTypes.KnownBlock;

/** action_id prefix of the "done" buttons on suggested actions (ids in one block must differ). */
export const SUGGESTION_DONE_ACTION = 'handoff_suggestion_done';

/** Below Slack's 3000 characters per section; a long list continues in the next section. */
const SECTION_MAX = 2800;
/** Below the ~13k characters of blocks Slack accepts per message. */
const MESSAGE_MAX = 11_000;

const slackStyle: Style = {
  bold: (s) => `*${s}*`,
  esc,
  code,
  link,
  time: (iso) => slackTime(iso),
  user: mentionUser,
  group: mentionGroup,
};

// Chunks are already within SECTION_MAX; the cut is the safety net for a heading of outside text.
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: cutMrkdwn(text, 3000) } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: cutMrkdwn(text, 3000) }] });

/** The parent: what a phone shows in the notification. One line per cluster, the rest in the thread. */
export function handoffParentMessage(s: HandoffSummary): SlackMessage {
  const quiet = s.clusters.every((c) => c.quiet);
  const title = quiet ? '🌙 *Shift handoff: quiet shift*' : '📋 *Shift handoff*';
  const lines = s.clusters.map((c) => `${clusterHeadline(c, slackStyle)}\n${outstandingLine(c)}`);
  const blocks: KnownBlock[] = [section(`${title} · ${periodLine(s, slackStyle)}`)];
  for (const chunk of chunks(lines, SECTION_MAX)) blocks.push(section(chunk));
  if (s.clusters.some((c) => !c.quiet || c.open_items.length > 0)) blocks.push(context('details in thread'));
  const fallback = s.clusters
    .map((c) => `${esc(c.cluster)}: ${c.quiet ? 'quiet shift' : `${c.counts.open} open, ${c.counts.fired} fired, ${c.counts.resolved} resolved`}${c.nothing_outstanding ? ', nothing outstanding' : ''}`)
    .join('; ');
  return { text: cutMrkdwn(`Shift handoff: ${fallback}`, 3000), blocks: blocks.slice(0, 50) };
}

/**
 * Thread replies for one cluster: each section its own block, sections split when long, and a new
 * message whenever one would pass Slack's size limits.
 */
export function handoffClusterMessages(c: ClusterHandoff): SlackMessage[] {
  const messages: SlackMessage[] = [];
  let blocks: KnownBlock[] = [section(`*${esc(c.cluster)}*`)];
  let size = 0;
  const flush = (): void => {
    if (blocks.length > 0) messages.push({ text: cutMrkdwn(`Handoff details: ${esc(c.cluster)}`, 3000), blocks });
    blocks = [];
    size = 0;
  };
  for (const sec of clusterSections(c, slackStyle)) {
    for (const [i, chunk] of chunks(sec.lines, SECTION_MAX - sec.title.length - 10).entries()) {
      const text = i === 0 ? `*${sec.title}*\n${chunk}` : chunk;
      if (size + text.length > MESSAGE_MAX || blocks.length >= 45) flush();
      blocks.push(section(text));
      size += text.length;
    }
  }
  const buttons = doneButtons(c);
  if (buttons !== undefined) {
    if (blocks.length >= 49) flush();
    blocks.push(buttons);
  }
  flush();
  return messages;
}

/** One "done" button per suggested action still open, so the next handoff stops listing it. */
function doneButtons(c: ClusterHandoff): KnownBlock | undefined {
  const items = c.open_items.flatMap((o) => (o.kind === 'suggestion' ? [o] : [])).slice(0, 5);
  if (items.length === 0) return undefined;
  return {
    type: 'actions',
    elements: items.map((o, i) => ({
      type: 'button' as const,
      action_id: `${SUGGESTION_DONE_ACTION}_${i}`,
      // plain_text: shown as written, nothing to escape; cut without splitting an emoji.
      text: { type: 'plain_text' as const, text: `✔ Done: ${cutText(o.text, 60)}` },
      value: JSON.stringify({ cluster: c.cluster, id: o.id }),
    })),
  };
}

/** Joins lines into texts of at most `max` characters (a single longer line is cut). */
function chunks(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of lines) {
    const line = cutMrkdwn(raw, max);
    if (cur.length > 0 && cur.length + 1 + line.length > max) {
      out.push(cur);
      cur = '';
    }
    cur = cur.length === 0 ? line : `${cur}\n${line}`;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
