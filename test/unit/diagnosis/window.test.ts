import { describe, expect, it } from 'vitest';
import { formatDuration, parseWindow } from '../../../src/diagnosis/window.js';

describe('windows', () => {
  it.each([
    ['15m', 900],
    ['1m', 60],
    ['24h', 86400],
    ['90s', 90],
    ['2h', 7200],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseWindow(text)).toEqual({ ok: true, seconds });
  });

  it.each([
    ['15x', '"15x" is not a window: use a number and a unit, e.g. 15m, 2h or 90s'],
    ['48h', 'window 48h is out of range: allowed 1m to 24h'],
    ['30s', 'window 30s is out of range: allowed 1m to 24h'],
    ['1h; drop', '"1h; drop" is not a window: use a number and a unit, e.g. 15m, 2h or 90s'],
  ])('%s is rejected with a reason', (text, reason) => {
    expect(parseWindow(text)).toEqual({ ok: false, reason });
  });

  it('formats back to the shortest exact form', () => {
    expect([900, 5400, 86400, 45].map(formatDuration)).toEqual(['15m', '90m', '24h', '45s']);
  });
});
