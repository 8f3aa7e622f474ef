import { boundedQuote, cutText, wellFormed } from '../delivery/text-cut.js';

/**
 * The one way text from outside (alert labels and annotations, Alertmanager's URL, cluster and member
 * names, log excerpts, what a user typed) becomes Slack mrkdwn.
 *
 * Slack gives `<…>` its meaning (mentions `<@U…>`, `<!channel>`, `<!subteam^…>`, links `<url|label>`),
 * and its rule is to escape exactly three characters, `&`, `<` and `>`; with them escaped no outside
 * string can notify a channel or disguise a link. Our own formatting (`*bold*`, links to permalinks Slack
 * gave us, mentions of the user who asked) is written around escaped text, never inside it. Lone
 * surrogates become U+FFFD on the way, so every produced text can be form-encoded.
 */

export { cutMrkdwn, cutText } from '../delivery/text-cut.js';

const ENTITIES: ReadonlyMap<string, string> = new Map([
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
]);

/** Outside text as mrkdwn that shows exactly what it says. */
export function esc(s: string): string {
  return wellFormed(s).replace(/[&<>]/g, (c) => ENTITIES.get(c) ?? c);
}

/** Outside text cut to `max` characters of display (before escaping), grapheme-safe, then escaped. */
export function escCut(s: string, max: number): string {
  return esc(cutText(s, max));
}

/** The URL as Slack may link it: http(s) only, parsed by WHATWG URL, normalised; undefined otherwise. */
export function safeUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  // `|` separates the URL from the label inside <…|…>: it must not appear in the URL itself.
  return u.href.replace(/\|/g, '%7C');
}

/**
 * `<url|label>` when the URL is http(s), both parts escaped; otherwise the label alone, as plain text,
 * so a `javascript:` or malformed URL is never offered as a link.
 */
export function link(url: string, label: string): string {
  const href = safeUrl(url);
  return href === undefined ? esc(label) : `<${esc(href)}|${esc(label)}>`;
}

/** Inline code of outside text: one line, its backticks neutralised so it cannot end the code early. */
export function code(s: string): string {
  return `\`${esc(s.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/`/g, "'"))}\``;
}

/** A code block of outside text (a command with a member name in it): ``` inside cannot end it. */
export function codeBlock(s: string): string {
  return `\`\`\`${esc(s.replace(/```/g, "'''"))}\`\`\``;
}

/** What a user typed, echoed in an answer: bounded (default 60 characters), quoted, escaped. */
export function quoteUser(text: string, max = 60): string {
  return esc(boundedQuote(text, max));
}

/** A mention of a Slack user id we received from Slack; anything not shaped like an id stays text. */
export function mentionUser(id: string): string {
  return /^[UW][A-Z0-9]{2,30}$/.test(id) ? `<@${id}>` : esc(id);
}

/** A mention of a Slack user group (subteam) id from the config; anything else stays text. */
export function mentionGroup(id: string): string {
  return /^S[A-Z0-9]{2,30}$/.test(id) ? `<!subteam^${id}>` : esc(id);
}

/**
 * The notification text of a message (what a phone shows, and what Slack falls back to): the mrkdwn we
 * built, without emphasis marks, since notifications show them literally.
 */
export function notificationText(mrkdwn: string): string {
  return mrkdwn.replace(/[*_`]/g, '');
}
