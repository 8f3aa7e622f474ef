import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAlert } from '../../support/alertmanager.js';
import { waitFor } from '../../support/processes.js';
import { alertGroup, allTriaged, expectOneThreadPerGroup, startTriageStack, threadsOf, type TriageStack } from '../../support/triage-stack.js';

/**
 * Slack failing for a while: storms of consecutive 429s with Retry-After on several channels at once,
 * and bursts of 5xx on posts and edits. Every alert group still ends with exactly one parent (naming all
 * its alerts, showing the triage) and one triage reply: nothing lost, nothing posted twice.
 * (A single 429, its Retry-After wait and the pacing are covered in test/integration/alerts.)
 */
const STORM = ['C0RLA', 'C0RLB', 'C0RLC'];
const BURST = ['C0BURSTA', 'C0BURSTB'];
const NAMES = ['etcdHighFsyncDurations', 'etcdHighCommitDurations', 'etcdNoLeader'];

let stack: TriageStack;

beforeAll(async () => {
  stack = await startTriageStack({
    clusters: ({ promUrl, job }) =>
      [...STORM, ...BURST]
        .map((ch) => `  c-${ch.toLowerCase()}:
    prometheus: { url: "${promUrl}", timeoutMs: 3000 }
    selector: { job: ${job} }
    alerts: { channel: ${ch}, match: { job: etcd-${ch.toLowerCase()} } }
`)
        .join(''),
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const groupsFor = (ch: string, names: string[]): TestAlert[][] => names.map((n, i) => alertGroup(n, `etcd-${ch.toLowerCase()}`, i + 1));
const failed = (method: string, status: number, ch?: string): number =>
  stack.slack.callsOf(method).filter((c) => c.status === status && (ch === undefined || c.args['channel'] === ch)).length;

/** Every parent of the channel was edited to show its group's triage (edits coalesced, none lost). */
async function parentsShowTriage(ch: string, groups: TestAlert[][]): Promise<void> {
  await waitFor(`${ch}: parents show the triage`, () =>
    groups.every((g) => {
      const p = threadsOf(stack.slack, ch, g[0]!.labels['alertname']!)[0];
      return p !== undefined && /Triage/.test(JSON.stringify(p.blocks ?? []));
    }), 60_000, 250);
}

describe('chaos: Slack failing', () => {
  it('429 storms on several channels at once (8 posts and 4 edits refused per channel, Retry-After 1 s)', async () => {
    for (const ch of STORM) {
      stack.slack.failNext('chat.postMessage', 8, { kind: 'rate-limited', retryAfter: 1 }, (a) => a['channel'] === ch);
      stack.slack.failNext('chat.update', 4, { kind: 'rate-limited', retryAfter: 1 }, (a) => a['channel'] === ch);
    }
    const groups = new Map(STORM.map((ch) => [ch, groupsFor(ch, NAMES)]));
    await stack.am.push([...groups.values()].flat(2));
    await waitFor('every group triaged', () => STORM.every((ch) => allTriaged(stack.slack, ch, groups.get(ch)!)), 150_000, 250);
    for (const ch of STORM) {
      await parentsShowTriage(ch, groups.get(ch)!);
      expectOneThreadPerGroup(stack.slack, ch, groups.get(ch)!);
      // The storm really happened: every scripted refusal was served.
      expect(failed('chat.postMessage', 429, ch)).toBe(8);
      expect(failed('chat.update', 429, ch)).toBe(4);
    }
  }, 180_000);

  it('5xx bursts (12 posts answered 503, 6 edits answered 500) across channels', async () => {
    const before = { post: failed('chat.postMessage', 503), update: failed('chat.update', 500) };
    stack.slack.failNext('chat.postMessage', 12, { kind: 'http', status: 503 });
    stack.slack.failNext('chat.update', 6, { kind: 'http', status: 500 });
    const groups = new Map(BURST.map((ch) => [ch, groupsFor(ch, NAMES.slice(0, 2))]));
    await stack.am.push([...groups.values()].flat(2));
    await waitFor('every group triaged', () => BURST.every((ch) => allTriaged(stack.slack, ch, groups.get(ch)!)), 150_000, 250);
    // One more alert in every group: its parent must be edited (N+1 firing) while edits still fail.
    for (const g of groups.values()) for (const group of g) group.push(alertGroup(group[0]!.labels['alertname']!, group[0]!.labels['job']!, group.length + 1).at(-1)!);
    await stack.am.push([...groups.values()].flat(2));
    await waitFor('every parent shows the added alert', () =>
      BURST.every((ch) => groups.get(ch)!.every((g) => threadsOf(stack.slack, ch, g[0]!.labels['alertname']!)[0]?.text.includes(`${g.length} firing`) === true)),
    120_000, 250);
    for (const ch of BURST) {
      await parentsShowTriage(ch, groups.get(ch)!);
      expectOneThreadPerGroup(stack.slack, ch, groups.get(ch)!);
    }
    expect(failed('chat.postMessage', 503) - before.post).toBe(12);
    expect(failed('chat.update', 500) - before.update).toBe(6);
    // The storm channels were left alone: still one thread per group there.
    for (const ch of STORM) expect(stack.slack.history(ch)).toHaveLength(NAMES.length);
  }, 240_000);
});
