import { stringify } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitMessage, SLACK_LIMITS, type KnownBlock } from '../../../src/delivery/message-limits.js';
import { hasLoneSurrogate, hostileString } from '../report/text-arbitraries.js';

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const sectionText = (b: KnownBlock | undefined): string => (b as { text: { text: string } }).text.text;

/** What @slack/web-api does with a call's arguments: a URL-encoded form, blocks as a JSON string. */
const encodeLikeWebApi = (m: { text: string; blocks?: readonly KnownBlock[] }): string =>
  stringify({ text: m.text, ...(m.blocks === undefined ? {} : { blocks: JSON.stringify(m.blocks) }) });

describe('fitMessage with any Unicode', () => {
  it('cuts a section at 3000 characters without splitting the emoji there', () => {
    const fitted = fitMessage('t', [section(`${'x'.repeat(2998)}😀 tail`)], 'N');
    const text = sectionText(fitted.blocks![0]);
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(text).toBe(`${'x'.repeat(2998)}…`);
    expect(() => encodeLikeWebApi(fitted)).not.toThrow();
  });

  it('does not cut inside an entity it would otherwise leave half-written', () => {
    const fitted = fitMessage('t', [section(`${'x'.repeat(2997)}&lt;!channel&gt;`)], 'N');
    expect(sectionText(fitted.blocks![0])).toBe(`${'x'.repeat(2997)}…`);
  });

  it('repairs lone surrogates in the text and in blocks, so the message can be encoded at all', () => {
    const fitted = fitMessage('half \uD83D', [section('other half \uDE00')], 'N');
    expect(fitted.text).toBe('half \uFFFD');
    expect(sectionText(fitted.blocks![0])).toBe('other half \uFFFD');
    expect(fitted.trimmed).toBe(false);
    expect(() => encodeLikeWebApi(fitted)).not.toThrow();
  });

  it('for any texts: every fitted message encodes, stays within the limits and has no lone surrogate', () => {
    const big = fc.tuple(hostileString(40), fc.integer({ min: 0, max: 3100 })).map(([s, n]) => `${'y'.repeat(n)}${s}`);
    fc.assert(
      fc.property(big, fc.array(big, { maxLength: 6 }), (text, sections) => {
        const fitted = fitMessage(text, sections.map(section), 'N');
        expect(() => encodeLikeWebApi(fitted)).not.toThrow();
        expect(hasLoneSurrogate(fitted.text)).toBe(false);
        for (const b of fitted.blocks ?? []) {
          if (b.type !== 'section') continue;
          expect(sectionText(b).length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
          expect(hasLoneSurrogate(sectionText(b))).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
