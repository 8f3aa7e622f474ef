import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateOnset } from '../../../src/diagnosis/onset/evaluate.js';
import { clusterSchema, prometheusSchema } from '../../../src/config/schema.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { PrometheusClient } from '../../../src/sources/prometheus/client.js';
import { expectedOnset, rightWithin } from '../../support/expected-onset.js';
import { listScenarios, loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { replayOnset } from '../../support/onset-replay.js';
import { refusedUrl } from '../../support/processes.js';

/**
 * Every recorded incident replayed as a watch sees it: one evaluation every 15 s from 2 minutes before
 * the fault to its end, against a real Prometheus serving the recording. The cause and member must be
 * named within a minute of the onset, nothing before it, nothing ever on the healthy recordings, and
 * no evaluation may spend more than 10 queries.
 */
const playbooks = loadPlaybooks();

describe.each(listScenarios())('watch over the recorded incident %s', (name) => {
  let s: LoadedScenario;
  beforeAll(async () => {
    s = await loadScenario(name);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('names the cause on its member in time, and nothing before the onset', async () => {
    const ticks = await replayOnset(s, playbooks);
    const expected = expectedOnset(name, s.meta);
    expect(ticks.length).toBeGreaterThan(15);
    for (const t of ticks) expect(t.evaluation.queries, `queries at ${t.offset} s`).toBeLessThanOrEqual(10);

    // Just before the fault: the members and the leader the recording names, all up.
    const before = ticks.find((t) => t.offset === -15)!.evaluation;
    expect(before.leader).toBe(s.meta.leader.atFaultStart);
    expect(before.members).toEqual(s.meta.members.map((m) => ({ member: m.name, up: true, leader: m.name === s.meta.leader.atFaultStart })));

    const early = ticks.filter((t) => t.offset < 0 && !t.judgement.right).map((t) => `${t.offset} s: ${t.judgement.why}`);
    expect(early).toEqual([]);
    if (expected === 'nothing') {
      expect(ticks.filter((t) => !t.judgement.right).map((t) => `${t.offset} s: ${t.judgement.why}`)).toEqual([]);
      return;
    }
    const first = ticks.find((t) => t.offset >= 0 && t.judgement.right);
    const within = rightWithin(name);
    const seen = ticks.filter((t) => t.offset >= 0 && t.offset <= within.seconds).map((t) => `${t.offset} s: ${t.judgement.named.join(' + ') || 'nothing'}`);
    expect(first?.offset, `first right after onset; seen: ${seen.join('; ')}`).toBeLessThanOrEqual(within.seconds);
  });
});

describe('watch when Prometheus cannot answer', () => {
  it('does not throw, suspects nothing, and says Prometheus did not answer', async () => {
    const down = await refusedUrl();
    const { url } = down;
    const cluster = clusterSchema.parse({ prometheus: { url }, selector: { job: 'etcd' } });
    const prometheus = new PrometheusClient(prometheusSchema.parse({ url, timeoutMs: 1000 }));
    try {
      const ev = await evaluateOnset({ clusterName: 'lab', cluster, prometheus, playbooks });
      expect(ev.suspects).toEqual([]);
      expect(ev.slowest).toBeNull();
      expect(ev.queries).toBe(1);
      expect(ev.missing[0]).toMatch(/^up, up_samples, is_leader, server_id, db_size, db_quota: cannot reach http:\/\/127\.0\.0\.2:\d+: ECONNREFUSED$/);
    } finally {
      await prometheus.close();
      await down.close();
    }
  });
});
