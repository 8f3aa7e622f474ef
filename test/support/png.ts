import { PNG } from 'pngjs';

/** What a test checks of a PNG: its header says PNG, its size, and whether anything is drawn on it. */
export interface PngFacts {
  width: number;
  height: number;
  /** Variance of the grey level over all pixels: 0 for a blank image. */
  variance: number;
  /** Pixels of this RGB colour (within a small tolerance). */
  count(rgb: [number, number, number]): number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readPng(bytes: Buffer): PngFacts {
  if (!bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: bad signature');
  if (bytes.subarray(12, 16).toString('ascii') !== 'IHDR') throw new Error('not a PNG: IHDR is not the first chunk');
  const png = PNG.sync.read(bytes);
  const n = png.width * png.height;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const g = (png.data[i * 4]! + png.data[i * 4 + 1]! + png.data[i * 4 + 2]!) / 3;
    sum += g;
    sq += g * g;
  }
  const mean = sum / n;
  return {
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
    variance: sq / n - mean * mean,
    count([r, g, b]) {
      let c = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(png.data[i * 4]! - r) + Math.abs(png.data[i * 4 + 1]! - g) + Math.abs(png.data[i * 4 + 2]! - b);
        if (d <= 12) c++;
      }
      return c;
    },
  };
}
