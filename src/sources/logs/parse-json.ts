import { parse as parseLossless } from 'lossless-json';

export type JsonFields = Record<string, unknown>;

/**
 * A bare JSON number of 16+ digits may be a uint64 (sent-request-id, member_id) that JSON.parse would
 * round. Only such lines go through the slower lossless parser; everything else takes JSON.parse.
 */
const BIG_BARE_NUMBER = /[:,[]\s*-?\d{16,}/;

function keepUnsafeAsText(digits: string): number | string {
  const n = Number(digits);
  return Number.isSafeInteger(n) || (!/^-?\d+$/.test(digits) && Number.isFinite(n)) ? n : digits;
}

/** One JSON object, or null for anything else (a broken line never throws). */
export function parseJsonObject(text: string): JsonFields | null {
  try {
    const value: unknown = BIG_BARE_NUMBER.test(text)
      ? parseLossless(text, null, keepUnsafeAsText)
      : JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonFields) : null;
  } catch {
    return null;
  }
}

export function str(f: JsonFields, key: string): string | null {
  const v = f[key];
  return typeof v === 'string' ? v : null;
}

export function num(f: JsonFields, key: string): number | null {
  const v = f[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return null;
}

/** An identifier that may be a uint64: always returned as its exact decimal (or hex) text. */
export function idText(f: JsonFields, key: string): string | null {
  const v = f[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return null;
}

export function bool(f: JsonFields, key: string): boolean | null {
  const v = f[key];
  return typeof v === 'boolean' ? v : null;
}
