import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/diagnosis/types.js';
import { diagnose } from '../../../src/diagnosis/judge/diagnose.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { askTimes, diagnoseAfterOnset } from '../../support/recorded-diagnosis.js';
import { expectedFor, judge, rightFrom } from '../../support/expected-verdicts.js';
import { listScenarios, loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';

/**
 * What the on-call engineer reads first: every recorded incident asked about as `why-slow lab --window
 * 3m` every 30 s after the fault started (the early warning posts the first of these answers). From the
 * moment listed for it (30 s unless test/support/expected-verdicts.ts says otherwise) the verdict is
 * right and stays right to the end of the fault; "not yet distinguishable" counts only where stated.
 */
const scenarios = listScenarios();
const loaded = new Map<string, LoadedScenario>();

afterAll(async () => {
  await Promise.all([...loaded.values()].map((s) => s.stop()));
});

async function scenario(name: string): Promise<LoadedScenario> {
  const known = loaded.get(name);
  if (known) return known;
  const s = await loadScenario(name);
  loaded.set(name, s);
  return s;
}

async function after(name: string, seconds: number): Promise<Diagnosis> {
  return (await diagnoseAfterOnset(await scenario(name), seconds)).diagnosis;
}

const check = (d: Diagnosis, pb: string, id: string) => d.findings.find((f) => f.playbook === pb)!.checks.find((c) => c.check === id)!;
const causeRefs = (d: Diagnosis): string[] => d.causes.map((c) => `${c.playbook}/${c.cause} on ${c.members.join(', ')}`);

describe('recorded incidents, answered every 30 s from the onset', () => {
  it.each(scenarios)('%s: right from its first answer on, to the end of the fault', async (name) => {
    const s = await scenario(name);
    const expected = expectedFor(name, s.meta);
    const wrong: string[] = [];
    const times = askTimes(s).filter((t) => t >= rightFrom(name));
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) {
      const { diagnosis, evidence } = await diagnoseAfterOnset(s, t);
      expect(evidence.queries.length).toBeLessThanOrEqual(40);
      const j = judge(diagnosis, expected, s.meta, t);
      if (!j.right) wrong.push(`${t} s: ${j.why} (named ${j.named.join(' + ') || 'nothing'})`);
    }
    expect(wrong).toEqual([]);
  });

  it('a slow disk is named 30 s after its onset: the member spends nearly all its time in fsync', async () => {
    for (const [name, member] of [['disk-mild-follower', 'etcd-2'], ['disk-slow-leader', 'etcd-2'], ['disk-slow-with-expensive', 'etcd-3']] as const) {
      const d = await after(name, 30);
      expect(causeRefs(d), name).toContain(`disk/slow-disk on ${member}`);
      const bound = check(d, 'disk', 'fsync_device_bound');
      expect(bound.values.find((v) => v.member === member)!.value, name).toBeGreaterThanOrEqual(1);
      for (const v of bound.values.filter((x) => x.member !== member)) expect(v.value, `${name} ${v.member}`).toBeLessThan(1);
    }
  });

  it('a starved CPU 30 s in is not called a slow disk: its fsyncs fill far less of its time, and it is said to be not yet distinguishable', async () => {
    const d = await after('cpu-starved-follower-long', 30);
    expect(d.causes[0]).toMatchObject({ playbook: 'disk', cause: 'disk-or-cpu', members: ['etcd-3'] });
    expect(d.headline).toMatch(/^Slow disk or CPU starvation, not yet distinguishable on etcd-3: .* the fsyncs only \d+(\.\d+)?% of the way to being the device's/);
    expect(causeRefs(d).some((c) => c.startsWith('disk/slow-disk'))).toBe(false);
    expect(check(d, 'disk', 'fsync_device_bound').values.find((v) => v.member === 'etcd-3')!.value).toBeLessThan(0.75);
  });

  it('a write flood 30 s in is capacity, with the slow round trips and fsyncs it causes on every member as its effects', async () => {
    const d = await after('capacity-write-flood', 30);
    expect(d.causes.map((c) => `${c.playbook}/${c.cause}`)).toEqual(['capacity/write-overload']);
    expect(d.headline).toMatch(/^Write overload on .*: \d+\/s keys written/);
    // Measured over its first 30 s, not diluted by the two healthy minutes before it.
    for (const v of check(d, 'capacity', 'write_rate').values) expect(v.value).toBeGreaterThan(2000);
    const effects = Object.fromEntries(d.consequences.map((c) => [`${c.playbook}/${c.cause}`, c.attributed_to]));
    expect(effects).toMatchObject({ 'disk/disk-or-cpu': 'capacity/write-overload', 'network/slow-network': 'capacity/write-overload' });
  });

  it('expensive reads stay the first cause through their first minutes: they cost clients seconds, the disk they slow milliseconds', async () => {
    for (const t of [30, 60, 90]) {
      const d = await after('expensive-requests', t);
      expect(d.causes[0], `${t} s`).toMatchObject({ playbook: 'expensive', cause: 'expensive-reads' });
      expect(d.headline, `${t} s`).toMatch(/range p99 ≥ /);
    }
  });

  it('a cluster started two minutes earlier is healthy: the prober\'s start-up round trips and late heartbeats are no incident', async () => {
    const s = await scenario('healthy-control');
    // The members started about 2 minutes before the onset: the first answers' windows reach back into
    // their first minute, when the smoothed round trips still read 100-180 ms.
    for (const t of [30, 60, 90, 120, 150]) {
      const d = await after('healthy-control', t);
      expect(d.healthy, `${t} s: ${d.headline}`).toBe(true);
      expect(d.headline).toMatch(/^No latency problem found on lab/);
      const rtt = check(d, 'network', 'peer_rtt_p99');
      expect(rtt.values).toHaveLength(6);
      for (const v of rtt.values) expect(v.severity, `${t} s ${v.member}→${v.detail} ${v.formatted}`).toBe('ok');
    }
    // Two heartbeats 4-7 ms late, 2 s before the onset: shown, and not a problem.
    const d = await after('healthy-control', 60);
    expect(s.meta.leader.atFaultStart).toBe('etcd-3');
    expect(d.consequences).toEqual([]);
    expect(d.information!.find((i) => i.cause === 'heartbeat-failures')).toMatchObject({ members: ['etcd-3'], severity: 'ok' });
  });

  it('many late heartbeats with no cause behind them are still a problem: only a few are information', async () => {
    const { evidence } = await diagnoseAfterOnset(await scenario('healthy-control'), 60);
    const promql = evidence.queries.find((q) => q.promql.includes('etcd_server_heartbeat_send_failures_total') && !q.purpose)!.promql;
    const late = structuredClone(evidence);
    for (const q of late.queries.filter((x) => x.promql === promql)) {
      for (const series of q.result ?? []) if (series.labels.instance === 'etcd-3') series.points = series.points.map((p) => ({ ...p, v: 25 }));
    }
    const d = diagnose(late, loadPlaybooks());
    expect(d.healthy).toBe(false);
    expect(d.headline).toBe('Late heartbeats on lab, cause not identified');
    expect(d.consequences.map((c) => [c.cause, c.members, c.severity])).toEqual([['heartbeat-failures', ['etcd-3'], 'critical']]);
  });
});
