import fc from 'fast-check';

/**
 * Strings as hostile as outside text gets: any UTF-16 code unit (lone surrogates included), whole
 * emoji and graphemes, and the pieces Slack gives meaning to (mentions, links, entities, backticks).
 */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const slackPieces = fc.constantFrom(
  '<!channel>', '<!here>', '<@U0123ABC>', '<#C0123>', '<!subteam^S0123|@oncall>', '<http://evil.example|click>',
  '&', '&amp;', '&lt;', '<', '>', '`', '```', '|', '*', '_', '\n', '\u2028',
  '😀', '👨‍👩‍👧', '🇫🇷', 'e\u0301', '\uD83D', '\uDE00',
);
export const hostileString = (maxLength = 80): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof(codeUnit, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), slackPieces), maxLength });

/** True when the string contains a surrogate half without its partner. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
