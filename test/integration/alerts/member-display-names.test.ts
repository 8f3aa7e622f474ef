import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { gatherHandoff } from '../../../src/handoff/gather.js';
import { renderHandoff } from '../../../src/report/handoff/handoff-text.js';
import { PrometheusRegistry } from '../../../src/sources/prometheus/registry.js';
import { waitFor } from '../../support/processes.js';
import { kubeShapeTransform } from '../../support/kube-shape.js';
import { messageText, startTriageStack, threadsOf, type TriageStack } from '../../support/triage-stack.js';

/**
 * A kube-prometheus-stack cluster (the recorded slow-disk incident relabelled, test/support/kube-shape.ts)
 * whose alerts name members by their instance label, an address: the alert thread's parent and the
 * shift handoff name them by pod once the triage has learnt which pod each address is, as the triage
 * reply does. Real Alertmanager, Redis and Prometheus; Slack is the stand-in.
 */
const CHANNEL = 'C0KUBE';
const clusters = (promUrl: string): string => `  prod:
    prometheus: { url: "${promUrl}", timeoutMs: 5000 }
    selector: { job: kube-etcd }
    memberLabel: instance
    members: { displayLabel: pod }
    nodeExporter: { selector: { job: node-exporter } }
    slack: { channels: ["${CHANNEL}"] }
`;
let stack: TriageStack;

beforeAll(async () => {
  stack = await startTriageStack({ clusters: ({ promUrl }) => clusters(promUrl), transform: kubeShapeTransform({ nodes: { kind: 'copies' } }) });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('members named by pod in the alert thread parent and the handoff', () => {
  it('the parent lists the alerted members by the pod names the triage found, not by address', async () => {
    // As the etcd mixin's alerts carry them: the target's instance, no pod label.
    await stack.am.push([
      { labels: { alertname: 'etcdHighFsyncDurations', job: 'kube-etcd', instance: '10.0.0.12:2381', severity: 'critical' }, annotations: { summary: 'fsync slow' } },
      { labels: { alertname: 'etcdHighFsyncDurations', job: 'kube-etcd', instance: '10.0.0.11:2381', severity: 'warning' }, annotations: { summary: 'fsync slow' } },
    ]);
    await waitFor('the parent edited with the triage', () => {
      const p = threadsOf(stack.slack, CHANNEL, 'etcdHighFsyncDurations')[0];
      return (
        p !== undefined &&
        /Triage/.test(messageText(stack.slack.message(CHANNEL, p.ts)!)) &&
        stack.slack.threadReplies(CHANNEL, p.ts).some((r) => /Triage/.test(r.text))
      );
    }, 60_000);
    const parent = threadsOf(stack.slack, CHANNEL, 'etcdHighFsyncDurations');
    expect(parent).toHaveLength(1);
    const shown = stack.slack.message(CHANNEL, parent[0]!.ts)!;
    expect(messageText(shown)).toContain('members etcd-cp-1, etcd-cp-2');
    expect(messageText(shown)).toMatch(/Triage:\* Slow disk on etcd-cp-2/);
    expect(messageText(shown)).not.toMatch(/10\.0\.0\.1\d/);
    // The triage reply says the same names.
    const reply = stack.slack.threadReplies(CHANNEL, parent[0]!.ts).find((r) => /Triage/.test(r.text))!;
    expect(reply.text).toMatch(/\netcd-cp-1: no cause found on this member; the evidence points at etcd-cp-2\netcd-cp-2: Slow disk \(critical, \w+ confidence\)\n/);
    expect(reply.text).not.toMatch(/10\.0\.0\.1\d/);
  });

  it('the handoff lists the open incident on the pods, from the triage kept in the timeline', async () => {
    const config = parseConfigText(`clusters:\n${clusters(stack.prom.url)}`, 'kube.yaml', {});
    const prometheus = new PrometheusRegistry(config, {});
    try {
      const now = Date.now();
      const summary = await gatherHandoff(
        { config, playbooks: loadPlaybooks(), prometheus, timeline: stack.bot.timeline!, skipPrometheus: true },
        { clusters: ['prod'], sinceMs: now - 3600_000, untilMs: now, origin: { kind: 'cli' } },
      );
      const incident = summary.clusters[0]!.incidents.find((i) => i.alertnames.includes('etcdHighFsyncDurations'))!;
      expect(incident.members).toEqual(['etcd-cp-1', 'etcd-cp-2']);
      const text = renderHandoff(summary, 'text');
      expect(text).toMatch(/etcdHighFsyncDurations.* on etcd-cp-1, etcd-cp-2/);
      expect(text).not.toMatch(/10\.0\.0\.1\d/);
    } finally {
      await prometheus.close();
    }
  });

  it('a member alerted after the triage is named by pod in the thread\'s change reply and in the parent', async () => {
    const parent = threadsOf(stack.slack, CHANNEL, 'etcdHighFsyncDurations')[0]!;
    const before = stack.slack.threadReplies(CHANNEL, parent.ts).length;
    await stack.am.push([
      { labels: { alertname: 'etcdHighFsyncDurations', job: 'kube-etcd', instance: '10.0.0.12:2381', severity: 'critical' }, annotations: { summary: 'fsync slow' } },
      { labels: { alertname: 'etcdHighFsyncDurations', job: 'kube-etcd', instance: '10.0.0.11:2381', severity: 'warning' }, annotations: { summary: 'fsync slow' } },
      { labels: { alertname: 'etcdHighFsyncDurations', job: 'kube-etcd', instance: '10.0.0.13:2381', severity: 'warning' }, annotations: { summary: 'fsync slow' } },
    ]);
    await waitFor('the change reply', () => stack.slack.threadReplies(CHANNEL, parent.ts).some((r) => /Now firing/.test(messageText(r))), 30_000);
    const change = stack.slack.threadReplies(CHANNEL, parent.ts).slice(before).find((r) => /Now firing/.test(messageText(r)))!;
    expect(messageText(change)).toMatch(/etcdHighFsyncDurations`? on `?etcd-cp-3/);
    expect(messageText(change)).not.toMatch(/10\.0\.0\.1\d/);
    await waitFor('the parent lists three members', () => messageText(stack.slack.message(CHANNEL, parent.ts)!).includes('members etcd-cp-1, etcd-cp-2, etcd-cp-3'), 30_000);
    expect(messageText(stack.slack.message(CHANNEL, parent.ts)!)).not.toMatch(/10\.0\.0\.1\d/);
  });
});
