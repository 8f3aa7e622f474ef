import type { ApplySlowEvent, RequestAccess, RequestType } from '../types.js';

/**
 * etcd logs requests in protobuf text format (`key:"/a" range_end:"/b" `, `header:<ID:7 > put:<key:"/a"
 * value_size:5 >`). We only need the key, the range end and the request type, so this is a scanner for
 * those, not a protobuf parser.
 */

/** Reads a protobuf-text / Go-quoted string starting just after the opening quote. */
function readQuoted(text: string, from: number): { value: string; next: number } | null {
  // Fast path: no escape before the closing quote (most keys).
  const close = text.indexOf('"', from);
  if (close < 0) return null;
  const slash = text.indexOf('\\', from);
  if (slash < 0 || slash > close) return { value: text.slice(from, close), next: close + 1 };
  let out = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value: out, next: i + 1 };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) return null;
    if (/[0-7]/.test(e)) {
      // Octal byte escape (\000 for the zero byte that means "all keys" / "from here on").
      const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))![0];
      out += String.fromCharCode(parseInt(oct, 8));
      i += oct.length;
    } else if (e === 'x') {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16) || 0);
      i += 3;
    } else {
      out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
      i += 1;
    }
  }
  return null;
}

export interface KeyRange {
  key: string | null;
  rangeEnd: string | null;
}

// Module-level regexes: a literal inside a function is a new RegExp object at every call, and these run
// once per matching log line.
const KEY_START = /(?:^|[\s<])key:"/;
/** Sticky: matches only right where the key's closing quote left off. */
const RANGE_END_AFTER_KEY = /\s*range_end:"/y;

/** The first `key:"…"` of a request and the `range_end:"…"` that follows it, if any. */
export function extractKeyRange(text: string | null): KeyRange {
  if (text === null) return { key: null, rangeEnd: null };
  const m = KEY_START.exec(text);
  if (!m) return { key: null, rangeEnd: null };
  const k = readQuoted(text, m.index + m[0].length);
  if (!k) return { key: null, rangeEnd: null };
  RANGE_END_AFTER_KEY.lastIndex = k.next;
  const r = RANGE_END_AFTER_KEY.exec(text);
  if (!r) return { key: k.value, rangeEnd: null };
  const e = readQuoted(text, k.next + r[0].length);
  return { key: k.value, rangeEnd: e ? e.value : null };
}

/** Go %q string literal (capnslog quotes the request and the result) → its content. */
export function unquoteGo(text: string): string | null {
  if (!text.startsWith('"')) return null;
  const q = readQuoted(text, 1);
  return q ? q.value : null;
}

const REQUEST_TYPES: ReadonlyArray<readonly [RegExp, RequestType]> = [
  // A bare RangeRequest (read path) starts with its own fields; raft requests start with header:<…>.
  [/^\s*(key:|range_end:|limit:|revision:|sort_|serializable|keys_only|count_only)/, 'range'],
  [/\btxn:</, 'txn'],
  [/^\s*compare:</, 'txn'],
  [/^\s*(success|failure):</, 'txn'],
  [/\bput:</, 'put'],
  [/\bdelete_range:</, 'delete_range'],
  [/\bcompaction:</, 'compaction'],
  [/\blease_grant:</, 'lease_grant'],
  [/\blease_revoke:</, 'lease_revoke'],
  [/\bauth[a-z_]*:</, 'auth'],
  [/\bauthenticate:</, 'auth'],
  [/\brange:</, 'range'],
];

export function requestTypeOf(request: string): RequestType {
  for (const [re, type] of REQUEST_TYPES) if (re.test(request)) return type;
  return 'other';
}

export function accessOf(prefix: string): RequestAccess {
  return prefix.startsWith('read-only') ? 'read-only' : 'write';
}

export interface ResponseNumbers {
  count: number | null;
  size: number | null;
}

/** `range_response_count:150 size:140007628`, `size:42`, `responses:<…> size:9`. */
const RESPONSE_COUNT = /range_response_count:(\d+)/;
const WHITESPACE = /\s/;
/** Sticky: the digits right after `size:`. */
const DIGITS_HERE = /\d+/y;

export function parseResponseText(text: string | null): ResponseNumbers {
  if (text === null) return { count: null, size: null };
  const c = RESPONSE_COUNT.exec(text);
  // The last size: is the response's own (nested responses may carry their own).
  const at = text.lastIndexOf('size:');
  const ok = at === 0 || (at > 0 && WHITESPACE.test(text[at - 1]!));
  if (ok) DIGITS_HERE.lastIndex = at + 5;
  const size = ok ? DIGITS_HERE.exec(text) : null;
  return { count: c ? Number(c[1]) : null, size: size ? Number(size[0]) : null };
}

/**
 * "apply request took too long" as an event, from the same parts whether the line was zap JSON or 3.4
 * capnslog text: the key range and the response numbers are read out of the request/response texts.
 */
export function applySlowEvent(parts: {
  tookMs: number;
  expectedMs: number | null;
  prefix: string;
  request: string;
  response: string | null;
  error: string | null;
}): ApplySlowEvent {
  const { key, rangeEnd } = extractKeyRange(parts.request);
  const resp = parseResponseText(parts.response);
  return {
    kind: 'apply-slow',
    tookMs: parts.tookMs,
    expectedMs: parts.expectedMs,
    prefix: parts.prefix,
    access: accessOf(parts.prefix),
    requestType: requestTypeOf(parts.request),
    request: parts.request,
    key,
    rangeEnd,
    response: parts.response,
    responseCount: resp.count,
    responseSize: resp.size,
    error: parts.error,
  };
}
