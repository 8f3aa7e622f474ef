import { createRequire } from 'node:module';
import type { parse as LosslessParse } from 'lossless-json';

/**
 * lossless-json is loaded on first use, synchronously (its CommonJS build): only lines with a uint64 past
 * 2^53 need it, and its ten ES modules were a tenth of a log scan's start-up.
 */
let losslessParse: typeof LosslessParse | undefined;
function parseLossless(...args: Parameters<typeof LosslessParse>): ReturnType<typeof LosslessParse> {
  losslessParse ??= (createRequire(import.meta.url)('lossless-json') as { parse: typeof LosslessParse }).parse;
  return losslessParse(...args);
}

export type JsonFields = Record<string, unknown>;

function keepUnsafeAsText(digits: string): number | string {
  const n = Number(digits);
  return Number.isSafeInteger(n) || (!/^-?\d+$/.test(digits) && Number.isFinite(n)) ? n : digits;
}

/**
 * A whole number JSON.parse could not keep exactly: a uint64 (sent-request-id, member_id) past 2^53.
 * Checked on the parsed value, which is cheaper than searching every line's text for long digit runs
 * before parsing: the scan parses every matching line, and only a few hold such numbers.
 */
function hasUnsafeInteger(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(hasUnsafeInteger);
  for (const k in v) if (hasUnsafeInteger((v as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * One JSON object, or null for anything else (a broken line never throws). A line with an integer
 * JSON.parse would round is parsed again by the lossless parser, which keeps such integers as their
 * exact decimal text.
 */
export function parseJsonObject(text: string): JsonFields | null {
  try {
    let value: unknown = JSON.parse(text);
    if (hasUnsafeInteger(value)) value = parseLossless(text, null, keepUnsafeAsText);
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
