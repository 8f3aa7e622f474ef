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

function round(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

export function formatSeconds(s: number): string {
  const a = Math.abs(s);
  if (a === 0) return '0 ms';
  if (a < 0.001) return `${round(s * 1e6)} µs`;
  if (a < 1) return `${round(s * 1000)} ms`;
  if (a < 120) return `${round(s)} s`;
  return `${round(s / 60)} min`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = b;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${round(v)} ${units[i]}`;
}

export function formatGuideline(t: Thresholds | undefined, unit: Unit): string | undefined {
  if (!t) return undefined;
  if (unit === 'count' && t.direction === 'above' && t.warning === 1) return 'none expected';
  return t.direction === 'above' ? `< ${formatValue(t.warning, unit)}` : `> ${formatValue(t.warning, unit)}`;
}
