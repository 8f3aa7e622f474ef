import { stringify } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWindow } from '../../../src/diagnosis/window.js';
import { parseSince } from '../../../src/handoff/period.js';
import { handleEtcdCommand, type CommandDeps } from '../../../src/ingress/slack/commands/command-handler.js';
import { parseCommandText } from '../../../src/ingress/slack/commands/command-text.js';
import { RecordingQueue, silentLogger, testConfig } from '../../integration/slack/fixtures.js';
import { hasLoneSurrogate, hostileString } from '../report/text-arbitraries.js';

/**
 * Whatever someone types after /etcd: the parser and the window/period parsing never throw, and the
 * answer is short (it quotes the text bounded), escaped (no mention, channel or link of the user's
 * making), and encodable.
 */

/** What an answer may contain besides the configured cluster list, whatever was typed. */
const ANSWER_MAX = 700;

const words = fc.array(fc.oneof(hostileString(30), fc.constantFrom('why-slow', 'handoff', 'help', 'lab', 'prod', 'all', '15m', '48h', '12h')), { maxLength: 5 });
const commandText = fc.oneof(
  words.map((w) => w.join(' ')),
  fc.tuple(fc.constantFrom('why-slow lab ', 'handoff lab ', 'why-slow ', 'handoff ', ''), hostileString(), fc.nat(5000)).map(([a, b, n]) => `${a}${b}${'m'.repeat(n)}`),
);

function deps(queue: RecordingQueue): CommandDeps {
  return {
    config: testConfig(),
    defaultWindowSeconds: 900,
    enqueueDiagnosis: queue.enqueue,
    enqueueHandoff: async () => ({ jobId: 'h1', deduplicated: false }),
    userGroups: { members: async () => new Set<string>() },
    enqueueTimeoutMs: 1000,
    logger: silentLogger,
  };
}

/** No Slack markup other than what the bot writes (none in answers to bad input), nothing unencodable. */
function expectSafeAnswer(text: string): void {
  expect(text.replace(/<!subteam\^S[A-Z0-9]+>/g, '')).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  expect(hasLoneSurrogate(text)).toBe(false);
  expect(() => stringify({ text })).not.toThrow();
}

describe('answers to bad input', () => {
  it('a 10,000-character window gets a short answer that quotes it cut', async () => {
    const a = await handleEtcdCommand({ text: `why-slow lab ${'9'.repeat(10_000)}m`, channel: { id: 'C0LAB' }, userId: 'U0ALICE' }, deps(new RecordingQueue()));
    expect(a.event).toMatchObject({ outcome: 'rejected', reason: 'bad-window' });
    expect(a.text.length).toBeLessThan(400);
    expect(a.text).toContain(`"${'9'.repeat(39)}…" is not a window`);
  });

  it('a cluster name or a since full of mentions is quoted as text', async () => {
    const q = new RecordingQueue();
    const cluster = await handleEtcdCommand({ text: 'why-slow <!channel>', channel: { id: 'C0LAB' }, userId: 'U0ALICE' }, deps(q));
    expect(cluster.text).toContain('Unknown cluster `&lt;!channel&gt;`');
    const since = await handleEtcdCommand({ text: 'handoff lab <!here>', channel: { id: 'C0LAB' }, userId: 'U0ALICE' }, deps(q));
    expect(since.text).toContain('"&lt;!here&gt;" is not a period');
    expectSafeAnswer(cluster.text);
    expectSafeAnswer(since.text);
    expect(q.requests).toEqual([]);
  });

  it('for any typed text: never throws, answers briefly and safely, enqueues only valid requests', async () => {
    const clusterList = 'This channel may query: `lab`.'.length;
    await fc.assert(
      fc.asyncProperty(commandText, async (text) => {
        expect(() => parseCommandText(text)).not.toThrow();
        const q = new RecordingQueue();
        const a = await handleEtcdCommand({ text, channel: { id: 'C0LAB' }, userId: 'U0ALICE' }, deps(q));
        expect(a.text.length).toBeLessThanOrEqual(ANSWER_MAX + clusterList);
        expectSafeAnswer(a.text);
        for (const r of q.requests) expect(r.cluster).toBe('lab');
      }),
      { numRuns: 400 },
    );
  });

  it('window and period parsing never throw and their reasons are bounded, for any text', () => {
    fc.assert(
      // Long texts on purpose: fast-check keeps generated strings short unless told otherwise.
      fc.property(fc.tuple(hostileString(), fc.nat(10_000), hostileString()).map(([a, n, b]) => `${a}${'9'.repeat(n)}${b}`), (text) => {
        const w = parseWindow(text);
        if (!w.ok) expect(w.reason.length).toBeLessThanOrEqual(150);
        const s = parseSince(text, 30 * 86400);
        if (!s.ok) expect(s.message.length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 500 },
    );
  });
});
