import type { Thresholds, Unit } from '../playbook/schema.js';
import type { Severity } from '../types.js';
import { formatValue } from '../format.js';

/**
 * Grading a histogram quantile at its bucket edges. etcd's latency histograms double at each bucket
 * (…25.6, 51.2, 102.4 ms…) and `histogram_quantile` interpolates linearly inside the bucket it lands in,
 * so a p99 read as 40 ms only says "between 25.6 and 51.2 ms". Against a 50 ms guideline that proves
 * nothing either way; a breach is claimed only when the bucket's lower edge is already past the line.
 */

export type BucketSpec = number[] | { exponential: { start: number; factor: number; count: number } };

/** The bucket upper bounds (`le`) of a histogram, ascending, without +Inf. */
export function bucketBounds(spec: BucketSpec): number[] {
  if (Array.isArray(spec)) return [...spec].sort((a, b) => a - b);
  const { start, factor, count } = spec.exponential;
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** Where an interpolated quantile can really lie: above `low`, at most `high` (null: no upper edge). */
export interface ValueBounds {
  low: number;
  high: number | null;
}

/** Relative slack so that 0.0512 read back from PromQL as 0.051200000000000004 still counts as that edge. */
const EDGE = 1e-9;

export function boundsOf(value: number, les: number[]): ValueBounds | undefined {
  if (!Number.isFinite(value) || les.length === 0) return undefined;
  const i = les.findIndex((le) => value <= le * (1 + EDGE));
  if (i === -1) return { low: les.at(-1)!, high: null };
  const low = i === 0 ? 0 : les[i - 1]!;
  // histogram_quantile answers the highest finite edge when the quantile falls in the +Inf bucket:
  // the value is then only known to be past the edge below.
  const high = i === les.length - 1 && value >= les[i]! * (1 - EDGE) ? null : les[i]!;
  return { low, high };
}

/**
 * The grade a value certainly deserves: for "above" thresholds the lower edge must reach the line
 * (bigger is worse); for "below" thresholds the upper edge must.
 */
export function gradeBounded(value: number, bounds: ValueBounds | undefined, t: Thresholds | undefined): Severity {
  if (!t) return 'ok';
  const v = bounds === undefined ? value : t.direction === 'above' ? bounds.low : (bounds.high ?? Infinity);
  const worse = (a: number, b: number): boolean => (t.direction === 'above' ? a >= b : a <= b);
  if (t.critical !== undefined && worse(v, t.critical)) return 'critical';
  if (worse(v, t.warning)) return 'warning';
  return 'ok';
}

/**
 * What a person reads: "≥ 51.2 ms" when the value is graded on its lower edge, "25.6–51.2 ms" when the
 * bucket holds the guideline (so it is no breach, and no measurement either), the interpolated value
 * when the whole bucket is on one side of the line and below it.
 */
export function formatBounded(value: number, bounds: ValueBounds | undefined, unit: Unit, t: Thresholds | undefined, severity: Severity): string {
  if (!bounds) return formatValue(value, unit);
  if (severity !== 'ok' || bounds.high === null) return `≥ ${formatValue(bounds.low, unit)}`;
  if (t && t.direction === 'above' && bounds.high > t.warning) {
    return bounds.low === 0 ? `≤ ${formatValue(bounds.high, unit)}` : range(formatValue(bounds.low, unit), formatValue(bounds.high, unit));
  }
  return formatValue(value, unit);
}

/** "25.6–51.2 ms", and "512 ms–1.02 s" when the unit changes between the edges. */
function range(low: string, high: string): string {
  const unitOf = (s: string): string => s.slice(s.indexOf(' '));
  return unitOf(low) === unitOf(high) ? `${low.slice(0, low.indexOf(' '))}–${high}` : `${low}–${high}`;
}

/**
 * Where a breach of the warning line starts for a value graded on these edges: the first bucket edge at
 * or past the line ("above" lines; a value above that edge has its whole bucket past the line). Charts
 * draw their warning rule there.
 */
export function warningEdge(t: Thresholds, les: number[] | undefined): number {
  if (!les || t.direction !== 'above') return t.warning;
  return les.find((le) => le >= t.warning * (1 - EDGE)) ?? t.warning;
}
