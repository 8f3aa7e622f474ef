/**
 * Cutting text to a length without breaking it. Slack counts and encodes UTF-16 strings: a cut between
 * the two halves of a surrogate pair leaves a lone surrogate, which Slack's form encoding
 * (encodeURIComponent / querystring in @slack/web-api) refuses on every attempt, so one cut emoji could
 * stall a whole thread. Cuts here fall between graphemes (a flag or a family emoji stays whole), and
 * between code points when a single grapheme is longer than the limit.
 *
 * This is the lowest layer (delivery), so that message-limits, the Slack client and the report layer
 * all cut the same way.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces every lone surrogate by U+FFFD, as String.prototype.toWellFormed does (ES2024). */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `s` if it fits in `max` UTF-16 units, else its longest prefix of whole graphemes that fits together
 * with `ellipsis`, then the ellipsis. Lone surrogates become U+FFFD, so the result always encodes.
 */
export function cutText(s: string, max: number, ellipsis = '…'): string {
  if (max <= 0) return '';
  if (s.length <= max) return wellFormed(s);
  const mark = ellipsis.length < max ? ellipsis : '';
  const budget = max - mark.length;
  // Only the head is segmented (a boundary depends on the characters around it, never on what comes
  // long after), so cutting a megabyte costs what cutting `max` characters costs. The head reaches one
  // whole code point past the budget: that is what decides whether the last grapheme ends there.
  const head = wellFormed(s.slice(0, budget + 2));
  // The grapheme holding the first unit past the budget starts where the cut goes. (`containing` is one
  // lookup; iterating the segments grows quadratically in Node 20: 1.5-2 s for 39,000 characters.)
  let end = graphemes.segment(head).containing(budget)?.index ?? 0;
  if (end === 0) end = codePointPrefix(head, budget);
  return `${head.slice(0, end)}${mark}`;
}

/**
 * `cutText` for Slack mrkdwn that is already escaped: the cut also never ends inside an entity (`&l…`)
 * or inside a link or mention of ours (`<https://…` without its `>`), which would show as debris.
 */
export function cutMrkdwn(s: string, max: number, ellipsis = '…'): string {
  const cut = cutText(s, max, ellipsis);
  if (cut.length === wellFormed(s).length) return cut;
  const mark = cut.endsWith(ellipsis) ? ellipsis : '';
  let kept = cut.slice(0, cut.length - mark.length);
  kept = kept.replace(/&[a-z]{0,4}$/, '');
  const open = kept.lastIndexOf('<');
  if (open > kept.lastIndexOf('>')) kept = kept.slice(0, open);
  return `${kept}${mark}`;
}

/** The length of the longest prefix of whole code points within `budget` units. */
function codePointPrefix(s: string, budget: number): number {
  let end = 0;
  for (const cp of s) {
    if (end + cp.length > budget) break;
    end += cp.length;
  }
  return end;
}

/**
 * What someone typed, echoed back in an answer: on one line, at most `max` characters (then "…"), inside
 * `mark` (backticks by default), with backticks of its own neutralised so it cannot open or close code
 * formatting. Not escaped for any medium: Slack answers pass it through the mrkdwn escaping
 * (report/slack-text.ts), a terminal prints it as it is.
 */
export function boundedQuote(text: string, max = 60, mark = '`'): string {
  // Control characters and line breaks would let a quote spill over several lines of the answer.
  const oneLine = text.replace(/[\p{Cc}\u2028\u2029]/gu, ' ').replace(/`/g, "'");
  return `${mark}${cutText(oneLine, max)}${mark}`;
}
