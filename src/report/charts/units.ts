import type { Unit } from '../../diagnosis/playbook/schema.js';

/**
 * How a unit is drawn on a chart axis: values are scaled to the unit people read (milliseconds, MiB,
 * percent) so that the ticks say "40" next to "ms" rather than "0.04" next to "s".
 */
export interface AxisUnit {
  factor: number;
  label: string;
}

/** `logScale`: the axis will be logarithmic, where milliseconds read better than fractions of seconds. */
export function axisUnit(unit: Unit, max: number, logScale = false): AxisUnit {
  switch (unit) {
    case 'seconds':
      return max >= 2 && !logScale ? { factor: 1, label: 's' } : { factor: 1000, label: 'ms' };
    case 'bytes':
      return max >= 2 ** 30 ? { factor: 2 ** -30, label: 'GiB' } : { factor: 2 ** -20, label: 'MiB' };
    case 'bytes_per_second':
      return { factor: 2 ** -20, label: 'MiB/s' };
    case 'ratio':
      return { factor: 100, label: '%' };
    case 'percent':
      return { factor: 1, label: '%' };
    case 'per_second':
      return { factor: 1, label: 'per second' };
    case 'cores':
      return { factor: 1, label: 'cores' };
    case 'count':
      return { factor: 1, label: 'count' };
  }
}
