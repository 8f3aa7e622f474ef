import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocCountable, countNewlines } from '../../../src/sources/logs/scan/newline-count.js';
import { newlineCountModule } from '../../../src/sources/logs/scan/newline-count-wasm.js';

/** The definition: newlines in the range, plus one for a last line without its newline. */
function reference(bytes: Uint8Array, from: number, to: number): number {
  if (to <= from) return 0;
  let n = 0;
  for (let i = from; i < to; i++) if (bytes[i] === 0x0a) n++;
  return bytes[to - 1] === 0x0a ? n : n + 1;
}

describe('line counting', () => {
  it('has a SIMD module this Node accepts (otherwise every count silently takes the slower path)', () => {
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(wasm.validate(newlineCountModule())).toBe(true);
  });

  it('counts the lines of any range of a buffer made for it, as the plain definition does', () => {
    const buf = allocCountable(64 * 1024);
    // Lengths around the 64-byte rounds and the 4032-byte blocks of the vector loop, and newline
    // densities from none to every byte (a lane of the vector counter must not overflow).
    const range = fc.record({
      from: fc.nat(200),
      len: fc.oneof(fc.nat(300), fc.integer({ min: 3900, max: 9000 }), fc.integer({ min: 60_000, max: 65_000 })),
      density: fc.double({ min: 0, max: 1, noNaN: true }),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(range, ({ from, len, density, seed }) => {
        const to = Math.min(buf.length, from + len);
        let x = seed | 1;
        for (let i = 0; i < to; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          buf[i] = (x >>> 0) / 2 ** 32 < density ? 0x0a : x & 0xff;
        }
        expect(countNewlines(buf, from, to)).toBe(reference(buf, from, to));
        // A buffer of its own memory, counted the other way, agrees too.
        const plain = Buffer.from(buf.subarray(0, to));
        expect(countNewlines(plain, from, to)).toBe(reference(plain, from, to));
      }),
      { numRuns: 400 },
    );
  });

  it('counts a view that starts inside the buffer from the view’s own start', () => {
    const buf = allocCountable(8192);
    buf.fill(0x61);
    for (let i = 0; i < 8192; i += 100) buf[i] = 0x0a;
    const view = buf.subarray(1000, 5000);
    expect(countNewlines(view, 0, view.length)).toBe(reference(view, 0, view.length));
    expect(countNewlines(view, 0, view.length)).toBe(41);
  });

  it('counts a buffer of nothing but newlines, 64 KiB long, without a lane wrapping around', () => {
    const buf = allocCountable(65_536);
    buf.fill(0x0a);
    expect(countNewlines(buf, 0, buf.length)).toBe(65_536);
    expect(countNewlines(buf, 5, 5)).toBe(0);
  });
});
