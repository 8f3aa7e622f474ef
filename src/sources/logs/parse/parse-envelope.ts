import { parseJsonObject, str } from './parse-json.js';
import { parseMicrosecondsText, parseTimestamp } from './parse-time.js';
import type { EnvelopeFormat } from '../types.js';

/**
 * The wrappers etcd lines arrive in, detected per line:
 *   CRI file (/var/log/pods):   2023-08-18T11:00:50.951550247+08:00 stderr F <line>   (P = partial)
 *   docker json-file:           {"log":"<line>\n","stream":"stderr","time":"…"}
 *   pod log API timestamps=true 2024-04-22T09:18:03.213763123Z <line>
 *   journalctl -o json:         {"MESSAGE":"<line>","__REALTIME_TIMESTAMP":"1700000000123456",…}
 */
export interface Unwrapped {
  inner: string;
  envelope: EnvelopeFormat;
  envelopeTime: number | null;
  envelopeTimeText: string | null;
  /** CRI `P`: this is the first part of a longer line; the rest follows. */
  partial: boolean;
}

const CRI = /^(\d{4}-\d\d-\d\dT\S+) (stdout|stderr) ([FP]) ?/;
const K8S_TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) /;

function none(line: string): Unwrapped {
  return { inner: line, envelope: 'none', envelopeTime: null, envelopeTimeText: null, partial: false };
}

function journaldMessage(v: unknown): string | null {
  if (typeof v === 'string') return v;
  // journald writes fields with unprintable bytes as arrays of byte values.
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return null; // null: the field was over 4096 bytes and journalctl ran without -a
}

export function unwrapEnvelope(line: string): Unwrapped | null {
  const first = line.charCodeAt(0);
  if (first === 0x7b /* { */) {
    // zap writes the level first; neither docker nor journald starts an object with it. Checked first
    // so a zap line is not searched twice for envelope keys.
    if (line.startsWith('{"level":')) return none(line);
    if (line.startsWith('{"log":') || (line.includes('"log":') && line.includes('"stream":') && !line.startsWith('{"level"'))) {
      const f = parseJsonObject(line);
      const inner = f ? str(f, 'log') : null;
      if (f === null || inner === null) return null;
      const t = str(f, 'time');
      return {
        inner: inner.replace(/\r?\n$/, ''),
        envelope: 'docker',
        envelopeTime: t === null ? null : parseTimestamp(t),
        envelopeTimeText: t,
        partial: !inner.endsWith('\n'),
      };
    }
    if (line.includes('"__REALTIME_TIMESTAMP"') && line.includes('"MESSAGE"')) {
      const f = parseJsonObject(line);
      if (f === null) return null;
      const inner = journaldMessage(f['MESSAGE']);
      if (inner === null) return null;
      const t = str(f, '__REALTIME_TIMESTAMP');
      return {
        inner,
        envelope: 'journald',
        envelopeTime: t === null ? null : parseMicrosecondsText(t),
        envelopeTimeText: t,
        partial: false,
      };
    }
    return none(line);
  }
  if (first >= 0x30 && first <= 0x39 && line.charCodeAt(10) === 0x54 /* T */) {
    const cri = CRI.exec(line);
    if (cri) {
      return {
        inner: line.slice(cri[0].length),
        envelope: 'cri',
        envelopeTime: parseTimestamp(cri[1]!),
        envelopeTimeText: cri[1]!,
        partial: cri[3] === 'P',
      };
    }
    const k = K8S_TS.exec(line);
    if (k) {
      const t = parseTimestamp(k[1]!);
      if (t !== null) {
        return { inner: line.slice(k[0].length), envelope: 'k8s-timestamp', envelopeTime: t, envelopeTimeText: k[1]!, partial: false };
      }
    }
  }
  return none(line);
}
