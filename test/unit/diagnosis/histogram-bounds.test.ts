import { describe, expect, it } from 'vitest';
import { boundsOf, bucketBounds, formatBounded, gradeBounded } from '../../../src/diagnosis/judge/histogram-bounds.js';
import type { Thresholds } from '../../../src/diagnosis/playbook/schema.js';

// etcd_network_peer_round_trip_time_seconds: ExponentialBuckets(0.0001, 2, 16) → …25.6, 51.2, 102.4 ms…
const RTT = bucketBounds({ exponential: { start: 0.0001, factor: 2, count: 16 } });
const rttLine: Thresholds = { direction: 'above', warning: 0.05, critical: 0.15 };

function read(v: number, t: Thresholds = rttLine): { severity: string; text: string } {
  const b = boundsOf(v, RTT);
  const severity = gradeBounded(v, b, t);
  return { severity, text: formatBounded(v, b, 'seconds', t, severity) };
}

describe('grading histogram quantiles on bucket edges', () => {
  it('a p99 interpolated to 50.3 ms inside 25.6–51.2 ms is no breach of a 50 ms guideline, and says so', () => {
    expect(read(0.0503)).toEqual({ severity: 'ok', text: '25.6–51.2 ms' });
  });

  it('a p99 in the next bucket is a breach shown as the bound it is', () => {
    expect(read(0.08)).toEqual({ severity: 'warning', text: '≥ 51.2 ms' });
  });

  it('critical only when the lower edge passes the critical line (102.4–204.8 ms holds 150 ms)', () => {
    expect(read(0.18)).toEqual({ severity: 'warning', text: '≥ 102 ms' });
    expect(read(0.3)).toEqual({ severity: 'critical', text: '≥ 205 ms' });
  });

  it('a value on a bucket edge belongs to the bucket it closes, even with float noise', () => {
    expect(boundsOf(0.051200000000000004, RTT)).toEqual({ low: 0.0256, high: 0.0512 });
    expect(boundsOf(0.0001, RTT)).toEqual({ low: 0, high: 0.0001 });
  });

  it('at the highest finite edge the value is only known to be past the edge below', () => {
    const top = RTT.at(-1)!;
    expect(boundsOf(top, RTT)).toEqual({ low: RTT.at(-2), high: null });
    expect(read(top).text).toBe(`≥ 1.64 s`);
  });

  it('values whose whole bucket is below the line keep their reading', () => {
    expect(read(0.012)).toEqual({ severity: 'ok', text: '12 ms' });
  });

  it('without buckets the value itself is graded', () => {
    expect(gradeBounded(0.0503, undefined, rttLine)).toBe('warning');
    expect(formatBounded(0.0503, undefined, 'seconds', rttLine, 'warning')).toBe('50.3 ms');
  });

  it('explicit bucket lists are sorted; "below" lines are graded on the upper edge', () => {
    const les = bucketBounds([0.25, 0.005, 0.1]);
    expect(les).toEqual([0.005, 0.1, 0.25]);
    const below: Thresholds = { direction: 'below', warning: 0.2 };
    expect(gradeBounded(0.15, boundsOf(0.15, les), below)).toBe('ok');
    expect(gradeBounded(0.05, boundsOf(0.05, les), below)).toBe('warning');
  });
});
