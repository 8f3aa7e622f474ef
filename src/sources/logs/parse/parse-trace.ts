import { parseGoDuration } from './parse-duration.js';
import { num, str, type JsonFields } from './parse-json.js';
import { matchTraceStep } from './trace-step-match.js';
import type { TraceEvent, TraceOp, TraceStep } from '../types.js';

/**
 * etcd's pkg/traceutil lines: msg `trace[<random int31>] <op>`, detail `{k:v; k:v; }`, steps
 * `trace[N] '<step>' {fields} (duration: X)` (two spaces before `(duration` when there are no fields).
 * The random id is dropped from the op so traces can be counted (ETCD-REFERENCE §9).
 */

const TRACE_MSG = /^trace\[(\d+)\] (\S+)$/;
const KNOWN_OPS: readonly TraceOp[] = ['range', 'put', 'transaction', 'compact', 'linearizableReadLoop', 'delete_range'];

export function isTraceMsg(msg: string): boolean {
  return msg.startsWith('trace[');
}

/** `{range_begin:/a; range_end:/b; }` or `req_type:range; range_begin:foo; ` → map. */
export function parseTraceFields(text: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === null) return out;
  const body = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  for (const part of body.split('; ')) {
    const p = part.trim().replace(/;$/, '');
    if (p === '') continue;
    const colon = p.indexOf(':');
    if (colon <= 0) continue;
    out[p.slice(0, colon)] = p.slice(colon + 1);
  }
  return out;
}

export function parseTraceStep(text: string): TraceStep | null {
  // Not a regex: the obvious one backtracks quadratically on quotes (see trace-step-match.ts).
  const m = matchTraceStep(text);
  if (!m) return null;
  const durationMs = parseGoDuration(m.duration);
  if (durationMs === null) return null;
  return { name: m.name, durationMs, fields: parseTraceFields(m.fields) };
}

export function dominantStep(steps: readonly TraceStep[]): TraceStep | null {
  let best: TraceStep | null = null;
  for (const s of steps) if (best === null || s.durationMs > best.durationMs) best = s;
  return best;
}

export function parseTrace(msg: string, f: JsonFields): TraceEvent | null {
  const m = TRACE_MSG.exec(msg);
  if (!m) return null;
  const opText = m[2]!;
  const op = (KNOWN_OPS as readonly string[]).includes(opText) ? (opText as TraceOp) : 'other';
  const detail = parseTraceFields(str(f, 'detail'));
  const rawSteps = Array.isArray(f['steps']) ? f['steps'] : [];
  const steps: TraceStep[] = [];
  for (const s of rawSteps) {
    if (typeof s !== 'string') continue;
    const step = parseTraceStep(s);
    if (step) steps.push(step);
  }
  const count = detail['response_count'] ?? detail['number_of_response'];
  return {
    kind: 'trace',
    op,
    opText,
    traceId: m[1]!,
    durationMs: parseGoDuration(str(f, 'duration')),
    detail,
    steps,
    dominantStep: dominantStep(steps),
    key: detail['range_begin'] ?? detail['key'] ?? null,
    rangeEnd: detail['range_end'] ?? null,
    responseCount: count !== undefined && /^\d+$/.test(count) ? Number(count) : num(f, 'response_count'),
  };
}
