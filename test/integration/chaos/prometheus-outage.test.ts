import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedUrl, waitFor, type RefusedUrl } from '../../support/processes.js';
import { startSlowProxy, type SlowProxy } from '../../support/slow-proxy.js';
import { alertGroup, allTriaged, expectOneThreadPerGroup, startTriageStack, type TriageStack } from '../../support/triage-stack.js';

/**
 * Prometheus gone (nothing listens on its port) and Prometheus slower than the query deadline (the real
 * fixture Prometheus behind a proxy that holds its answers 3 s, against a 1 s deadline): every alert group
 * still gets exactly one thread with its triage, and the triage says which evidence is missing and why,
 * never that the cluster is healthy. A cluster whose Prometheus answers is triaged as usual beside them.
 */
const DOWN = 'C0PROMDOWN';
const SLOW = 'C0PROMSLOW';
const OK = 'C0PROMOK';

let stack: TriageStack;
let slow: SlowProxy;
let closed: RefusedUrl;

beforeAll(async () => {
  closed = await refusedUrl();
  stack = await startTriageStack({
    clusters: async ({ promUrl, job }) => {
      slow = await startSlowProxy(promUrl, 3000);
      return `  down:
    prometheus: { url: "${closed.url}", timeoutMs: 1000 }
    selector: { job: ${job} }
    alerts: { channel: ${DOWN}, match: { job: etcd-down } }
  slow:
    prometheus: { url: "${slow.url}", timeoutMs: 1000 }
    selector: { job: ${job} }
    alerts: { channel: ${SLOW}, match: { job: etcd-slow } }
  lab:
    prometheus: { url: "${promUrl}", timeoutMs: 3000 }
    selector: { job: ${job} }
    alerts: { channel: ${OK}, match: { job: ${job} } }
`;
    },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await slow?.close();
  await closed?.close();
});

describe('chaos: Prometheus down or slower than the deadline', () => {
  it('every group gets one thread whose triage names the missing evidence, none says healthy', async () => {
    const down = [alertGroup('etcdHighFsyncDurations', 'etcd-down', 2), alertGroup('etcdNoLeader', 'etcd-down', 3)];
    const slowGroups = [alertGroup('etcdHighFsyncDurations', 'etcd-slow', 2), alertGroup('etcdMembersDown', 'etcd-slow', 1)];
    const ok = [alertGroup('etcdHighFsyncDurations', stack.job, 1, () => stack.member)];
    await stack.am.push([...down, ...slowGroups, ...ok].flat());
    await waitFor('every group triaged', () => allTriaged(stack.slack, DOWN, down) && allTriaged(stack.slack, SLOW, slowGroups) && allTriaged(stack.slack, OK, ok), 90_000, 250);

    for (const [channel, groups] of [[DOWN, down], [SLOW, slowGroups]] as const) {
      for (const triage of expectOneThreadPerGroup(stack.slack, channel, groups)) {
        expect(triage).not.toMatch(/No latency problem|no problem found/i);
        expect(triage).toMatch(/Missing evidence/);
      }
    }
    // The slow one was really reached and answered late; the closed port never was.
    expect(slow.connections).toBeGreaterThan(0);
    const [downTriage] = expectOneThreadPerGroup(stack.slack, DOWN, down);
    expect(downTriage).toContain(`Could not diagnose down: cannot reach ${closed.url}: ECONNREFUSED`);
    expect(downTriage).toContain('not seen in the evidence (its metrics could not be read)');
    const [slowTriage] = expectOneThreadPerGroup(stack.slack, SLOW, slowGroups);
    expect(slowTriage).toContain(`Could not diagnose slow: no answer from ${slow.url} within 1000 ms`);
    expect(slowTriage).toContain('query failed (timeout)');

    // Beside them, the cluster whose Prometheus answers is diagnosed from its evidence.
    const [okTriage] = expectOneThreadPerGroup(stack.slack, OK, ok);
    expect(okTriage).toMatch(/Slow disk/);
  }, 120_000);
});
