import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../src/sources/logs/parse-line.js';
import { readZapHead, zapEvent } from '../../../src/sources/logs/zap-fast.js';

/**
 * The scan's fast path for plain zap lines must give the general parser's event to the byte, or step
 * aside (undefined) and let the general path decide. Held to it: every line etcd wrote in the recorded
 * fixtures, and arbitrary zap-shaped lines with hostile text.
 */
const fixtures = new URL('../../fixtures/', import.meta.url);

function recordedLines(): Array<{ file: string; line: string }> {
  const out: Array<{ file: string; line: string }> = [];
  const add = (file: string, text: string): void => {
    for (const line of text.split('\n')) if (line !== '') out.push({ file, line });
  };
  for (const f of readdirSync(new URL('logs/', fixtures))) add(`logs/${f}`, readFileSync(new URL(`logs/${f}`, fixtures), 'utf8'));
  for (const incident of readdirSync(fixtures, { withFileTypes: true })) {
    if (!incident.isDirectory() || incident.name === 'logs') continue;
    const dir = new URL(`${incident.name}/logs/`, fixtures);
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of files) {
      const raw = readFileSync(new URL(f, dir));
      add(`${incident.name}/logs/${f}`, (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
    }
  }
  return out;
}

/** The fast path's answer as the collector uses it: an event, null (unusable), or undefined (not taken). */
function fast(line: string): ReturnType<typeof parseLogLine> | undefined {
  const head = readZapHead(line);
  if (head === undefined || head === null) return head;
  return zapEvent(head, 'etcd-0');
}

describe('zap fast path', () => {
  it('gives the general parser\'s event for every recorded etcd log line it takes, and takes most zap lines', () => {
    const lines = recordedLines();
    let taken = 0;
    let zapLines = 0;
    let slowApplies = 0;
    let slowAppliesTaken = 0;
    const files = new Set<string>();
    for (const { file, line } of lines) {
      files.add(file);
      if (line.startsWith('{"level":')) zapLines++;
      const slowApply = line.startsWith('{"level":') && line.includes('"msg":"apply request took too long"');
      if (slowApply) slowApplies++;
      const f = fast(line);
      if (f === undefined) continue;
      taken++;
      if (slowApply) slowAppliesTaken++;
      const full = parseLogLine(line, 'etcd-0');
      // Same fields, same values, same order of keys.
      expect(JSON.stringify(f), `${file}: ${line}`).toBe(JSON.stringify(full));
      expect(f).toStrictEqual(full);
    }
    expect(files.size).toBeGreaterThan(30);
    expect(zapLines).toBeGreaterThan(1000);
    // Lines with a number or an object field (revisions, counts) take the general path; the slow
    // requests, the lines a scan for expensive requests matches by the thousand, all take the fast one.
    expect(taken).toBeGreaterThan(zapLines * 0.25);
    expect(slowApplies).toBeGreaterThan(50);
    expect(slowAppliesTaken).toBe(slowApplies);
  });

  it('steps aside for lines it cannot read exactly: numbers, nested objects, spaces, control characters, escaped keys', () => {
    const base = '{"level":"warn","ts":"2026-01-01T00:00:00.000Z","msg":"slow fdatasync","took":"1.5s"';
    for (const line of [
      `${base},"n":1}`,
      `${base},"o":{"a":"b"}}`,
      `${base}, "x":"y"}`,
      `${base},"x":"a\u0001b"}`,
      `${base},"k\\u0041":"y"}`,
      `${base},"__proto__":"y"}`,
      `${base},"x":"y"} trailing`,
      `${base},"x":"y"`,
      `${base},"x":"bad \\q escape"}`,
    ]) {
      expect(fast(line), line).toBeUndefined();
    }
    expect(fast(`${base}}`)).toStrictEqual(parseLogLine(`${base}}`, 'etcd-0'));
  });

  it('agrees with the general parser on arbitrary zap-shaped lines with hostile text', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom('"', '\\', '\\"', 'a', ' ', '\n', '\u0000', 'é', '\uD83D', '{', '}', ':', ','), maxLength: 30 }),
    );
    const fields = fc.dictionary(fc.constantFrom('msg', 'ts', 'took', 'request', 'response', 'caller', 'level', 'prefix', 'x'), text, { maxKeys: 6 });
    const msg = fc.constantFrom('apply request took too long', 'slow fdatasync', 'request stats', 'defragmenting', 'constructor', 'leader failed to send out heartbeat on time; took too long');
    const ts = fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.123456Z', 'not a time', '2024-04-22T17:18:03.213763+0800');
    fc.assert(
      fc.property(fc.constantFrom('warn', 'info', 'constructor'), ts, msg, fields, fc.boolean(), (level, t, m, extra, tail) => {
        const line = JSON.stringify({ level, ts: t, msg: m, ...extra }) + (tail ? '  ' : '');
        const f = fast(line);
        if (f !== undefined) expect(JSON.stringify(f)).toBe(JSON.stringify(parseLogLine(line, 'etcd-0')));
      }),
      { numRuns: 3000 },
    );
  });
});
