import type { types } from '@slack/bolt';
import { cutMrkdwn, wellFormed } from './text-cut.js';

export type KnownBlock = types.KnownBlock;

/**
 * Slack's message limits, and what we do beyond them. Slack refuses the whole message (invalid_blocks,
 * msg_blocks_too_long, msg_too_long) rather than truncating it, which would lose a diagnosis silently.
 *
 * Behaviour, chosen for being simple and never silent: a message over any limit is sent TRIMMED (long
 * texts cut with "…", trailing blocks dropped) with a final context block saying so, and the caller gets
 * `trimmed: true` plus the full plain text of the original blocks, which SlackDelivery.postMessage
 * attaches as a file in the message's thread. Edits (chat.update) are trimmed the same way but attach
 * nothing: an edit must not post anything new, and parents are meant to stay small.
 */
export const SLACK_LIMITS = {
  maxBlocks: 50,
  sectionText: 3000,
  sectionField: 2000,
  headerText: 150,
  /** Serialised blocks; ~13k has been seen to fail, so stay clearly below. */
  blocksChars: 12_000,
  /** Top-level text; Slack truncates past 40k. */
  text: 39_000,
} as const;

export type SlackLimits = { [K in keyof typeof SLACK_LIMITS]: number };

export interface FittedMessage {
  text: string;
  blocks?: KnownBlock[];
  trimmed: boolean;
  /** Plain text of everything in the original message, present when trimmed. */
  fullText?: string;
}

export const TRIM_NOTICE_POSTED = '✂️ Trimmed to fit Slack’s limits: the full output is attached in the thread.';
export const TRIM_NOTICE_EDITED = '✂️ Trimmed to fit Slack’s limits.';

export function fitMessage(
  rawText: string,
  rawBlocks: readonly KnownBlock[] | undefined,
  notice: string,
  limits: SlackLimits = SLACK_LIMITS,
): FittedMessage {
  // A lone surrogate (half an emoji) cannot be form-encoded: Slack's client would throw on every
  // attempt. Repaired here, for every message whatever built it.
  const text = wellFormed(rawText);
  const blocks = rawBlocks === undefined ? undefined : wellFormedBlocks(rawBlocks);
  let trimmed = false;
  const fittedText = clip(text, limits.text);
  if (fittedText !== text) trimmed = true;
  if (blocks === undefined) {
    return trimmed ? { text: fittedText, trimmed, fullText: text } : { text: fittedText, trimmed };
  }

  const clipped = blocks.map((b) => {
    const c = clipBlock(b, limits);
    if (c !== b) trimmed = true;
    return c;
  });
  const noticeBlock: KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: notice }] };
  const noticeChars = JSON.stringify(noticeBlock).length + 1;

  // Keep leading blocks while they fit, reserving room for the notice; the headline comes first in our
  // messages, so what survives is the most important part.
  const kept: KnownBlock[] = [];
  let chars = 2; // the surrounding []
  for (const block of clipped) {
    const size = JSON.stringify(block).length + 1;
    if (kept.length + 1 >= limits.maxBlocks || chars + size + noticeChars > limits.blocksChars) break;
    kept.push(block);
    chars += size;
  }
  if (kept.length < clipped.length) {
    // Everything fits exactly without a notice only if nothing was dropped.
    trimmed = true;
  }
  if (!trimmed) return { text: fittedText, blocks: clipped, trimmed: false };
  return {
    text: fittedText,
    blocks: [...kept, noticeBlock],
    trimmed: true,
    fullText: blocksToText(blocks) || text,
  };
}

function clipBlock(block: KnownBlock, limits: SlackLimits): KnownBlock {
  if (block.type === 'section') {
    let changed = false;
    const out = { ...block };
    if (block.text !== undefined && block.text.text.length > limits.sectionText) {
      out.text = { ...block.text, text: clip(block.text.text, limits.sectionText) };
      changed = true;
    }
    if (block.fields?.some((f) => f.text.length > limits.sectionField)) {
      out.fields = block.fields.map((f) => ({ ...f, text: clip(f.text, limits.sectionField) }));
      changed = true;
    }
    return changed ? out : block;
  }
  if (block.type === 'header' && block.text.text.length > limits.headerText) {
    return { ...block, text: { ...block.text, text: clip(block.text.text, limits.headerText) } };
  }
  return block;
}

/** Cut between graphemes, never inside an entity or one of our links (text-cut.ts). */
function clip(s: string, max: number): string {
  return s.length <= max ? s : cutMrkdwn(s, max);
}

/** The blocks with every string made well-formed; the same array when nothing needed it. */
function wellFormedBlocks(blocks: readonly KnownBlock[]): readonly KnownBlock[] {
  const json = JSON.stringify(blocks);
  // JSON.stringify writes a lone surrogate as a \uD8xx escape and a paired one as the character itself.
  if (!/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/.test(json)) return blocks;
  return JSON.parse(json, (_k, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v)) as KnownBlock[];
}

/**
 * Plain text of blocks for the attached file: every `text` string in reading order, one block per
 * paragraph. Generic on purpose, so new block types still end up in the file.
 */
export function blocksToText(blocks: readonly KnownBlock[]): string {
  return blocks
    .map((b) => (b.type === 'divider' ? '---' : collectText(b).join('\n')))
    .filter((s) => s.length > 0)
    .join('\n\n');
}

function collectText(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(collectText);
  if (typeof node !== 'object' || node === null) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === 'text' && typeof v === 'string') out.push(v);
    else if (typeof v === 'object') out.push(...collectText(v));
  }
  return out;
}
