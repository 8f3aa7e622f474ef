import { stringify } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fallbackText, isMalformedMessage } from '../../../src/delivery/malformed-fallback.js';
import { PermanentSlackError } from '../../../src/delivery/errors.js';
import { hasLoneSurrogate, hostileString } from '../report/text-arbitraries.js';

describe('the plain version of a message Slack refused', () => {
  it('names the error, keeps the text, turns any markup left into visible text', () => {
    expect(fallbackText('*Triage* of &lt;!here&gt; <http://am.example|Alertmanager> <!channel>', 'invalid_blocks')).toBe(
      '⚠️ This message could not be shown as formatted (Slack answered invalid_blocks); its text follows.\n' +
        '*Triage* of &lt;!here&gt; &lt;http://am.example|Alertmanager&gt; &lt;!channel&gt;',
    );
  });

  it('for any text: no markup, at most 3000 characters, no lone surrogate, encodable', () => {
    const text = fc.tuple(hostileString(), fc.nat(8000), hostileString()).map(([a, n, b]) => `${a}${'<'.repeat(n % 7)}${'y'.repeat(n)}${b}`);
    fc.assert(
      fc.property(text, (t) => {
        const out = fallbackText(t, 'msg_too_long');
        expect(out).not.toMatch(/[<>]/);
        expect(out.length).toBeLessThanOrEqual(3000);
        expect(hasLoneSurrogate(out)).toBe(false);
        expect(() => stringify({ text: out })).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('only refusals about the content count as malformed', () => {
    expect(isMalformedMessage(new PermanentSlackError('chat.postMessage', 'invalid_blocks'))).toBe(true);
    expect(isMalformedMessage(new PermanentSlackError('chat.postMessage', 'unencodable'))).toBe(true);
    expect(isMalformedMessage(new PermanentSlackError('chat.postMessage', 'channel_not_found'))).toBe(false);
    expect(isMalformedMessage(new Error('invalid_blocks'))).toBe(false);
  });
});
