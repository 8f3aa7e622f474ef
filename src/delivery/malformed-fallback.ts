import { PermanentSlackError } from './errors.js';
import type { KnownBlock } from './message-limits.js';
import { cutText, wellFormed } from './text-cut.js';

/**
 * A message Slack refuses for its content is refused on every attempt: retrying it would stall its
 * thread for good (a thread's replies go out in order). Instead a plain version is posted in its place:
 * the message's own text, every `<` and `>` in it neutralised, no blocks, bounded. What it said is
 * still there for the reader, and the next reply can follow.
 */

/** Slack errors that are about the message itself, not the channel, the token or Slack's health. */
export const MALFORMED_MESSAGE_ERRORS: ReadonlySet<string> = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_attachments',
  'msg_too_long',
  'msg_blocks_too_long',
  'too_many_attachments',
  'no_text',
  // Ours: the payload could not be form-encoded at all (see retry.ts).
  'unencodable',
]);

export function isMalformedMessage(err: unknown): err is PermanentSlackError {
  return err instanceof PermanentSlackError && MALFORMED_MESSAGE_ERRORS.has(err.slackError);
}

/** Room for the notice line; the whole fallback stays well below the 40k characters of a text. */
const FALLBACK_MAX = 3000;

/** The plain version of a refused message: a notice, then its text with no markup left in it. */
export function fallbackText(text: string, slackError: string): string {
  const notice = `⚠️ This message could not be shown as formatted (Slack answered ${slackError}); its text follows.`;
  // Escaping only < and > leaves entities already in the text as they were (no &amp;lt;), and turns
  // whatever markup is left (even our own links and mentions) into visible text.
  const body = wellFormed(text).replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return cutText(`${notice}\n${body}`, FALLBACK_MAX).replace(/&[a-z]{0,4}…$/, '…');
}

export interface SendableMessage {
  text: string;
  blocks?: KnownBlock[];
}

/**
 * Sends `msg`; when Slack refuses its content, sends the fallback instead (text only; `noBlocks` says
 * how "no blocks" is expressed: chat.update keeps the old blocks unless given an empty list). A refusal
 * of the fallback itself is thrown as it is: that is not about the content.
 */
export async function sendWithFallback<T>(
  send: (m: SendableMessage) => Promise<T>,
  msg: SendableMessage,
  onFallback: (slackError: string) => void,
  noBlocks: KnownBlock[] | undefined = undefined,
): Promise<{ result: T; fallback?: string }> {
  try {
    return { result: await send(msg) };
  } catch (err) {
    if (!isMalformedMessage(err)) throw err;
    onFallback(err.slackError);
    const text = fallbackText(msg.text, err.slackError);
    const result = await send(noBlocks === undefined ? { text } : { text, blocks: noBlocks });
    return { result, fallback: err.slackError };
  }
}

