import { formatBytes, formatSeconds, roundForReading as round } from '../text/units.js';
import type { Unit, Thresholds } from './playbook/schema.js';

/** Numbers as an on-call engineer reads them on a phone: 48 ms, 1.2 s, 1.9 GiB, 87%. */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'seconds':
      return formatSeconds(value);
    case 'bytes':
      return formatBytes(value);
    case 'bytes_per_second':
      return `${formatBytes(value)}/s`;
    case 'ratio':
      return `${round(value * 100)}%`;
    case 'percent':
      return `${round(value)}%`;
    case 'per_second':
      return `${round(value)}/s`;
    case 'cores':
      return `${round(value)} cores`;
    case 'count':
      return String(Math.round(value));
  }
}

export function formatGuideline(t: Thresholds | undefined, unit: Unit): string | undefined {
  if (!t) return undefined;
  if (unit === 'count' && t.direction === 'above' && t.warning === 1) return 'none expected';
  return t.direction === 'above' ? `< ${formatValue(t.warning, unit)}` : `> ${formatValue(t.warning, unit)}`;
}
