import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchorNeedle, findNeedle } from '../../../src/sources/logs/scan/needle-anchor.js';
import { zapNeedlesFor, fragmentsFor } from '../../../src/sources/logs/scan/prefilter.js';
import { LOG_EVENT_KINDS } from '../../../src/sources/logs/types.js';

describe('needles searched from their rarest byte', () => {
  it('anchors the zap needle of slow requests on its q, and a needle of common bytes on its start', () => {
    expect(anchorNeedle('"msg":"apply request took too long')).toMatchObject({ offset: 15 });
    expect(anchorNeedle('"msg":"apply request took too long').anchor.toString()).toBe('quest took too long');
    expect(anchorNeedle('rest ').offset).toBe(0);
  });

  it('finds what indexOf finds, for every needle the scan uses', () => {
    const needles = [...new Set([...zapNeedlesFor(LOG_EVENT_KINDS), ...fragmentsFor(undefined), ' stderr P '])];
    // Haystacks made of pieces of the needles themselves, so near misses and overlaps are common.
    const piece = fc.oneof(
      fc.constantFrom(...needles).chain((n) => fc.tuple(fc.nat(n.length), fc.nat(n.length)).map(([a, b]) => n.slice(Math.min(a, b), Math.max(a, b)))),
      fc.constantFrom(...needles),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom(...needles), fc.nat(40), (pieces, needle, fromSeed) => {
        const hay = Buffer.from(pieces.join(''));
        const from = hay.length ? fromSeed % (hay.length + 1) : 0;
        const n = anchorNeedle(needle);
        let a = findNeedle(hay, n, from);
        let b = hay.indexOf(n.whole, from);
        // Every occurrence, not only the first.
        while (a >= 0 || b >= 0) {
          expect(a).toBe(b);
          a = findNeedle(hay, n, a + 1);
          b = hay.indexOf(n.whole, b + 1);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never reports a needle that would start before the search start', () => {
    const n = anchorNeedle('"msg":"apply request took too long');
    const hay = Buffer.from('xx"msg":"apply request took too long yy');
    expect(findNeedle(hay, n, 3)).toBe(-1);
    expect(findNeedle(hay, n, 2)).toBe(2);
  });
});
