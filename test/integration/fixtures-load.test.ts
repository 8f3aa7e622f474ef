import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { listScenarios, loadScenario, type LoadedScenario } from '../support/fixture-prometheus.js';

/** One instant query against a fixture Prometheus; returns instance → value. */
async function byInstance(url: string, query: string, time: number): Promise<Record<string, number>> {
  const qs = new URLSearchParams({ query, time: String(time) });
  const r = await fetch(`${url}/api/v1/query?${qs.toString()}`);
  const j = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (j.status !== 'success') throw new Error(`query failed: ${j.error}`);
  const out: Record<string, number> = {};
  for (const s of j.data.result) out[s.metric.instance ?? '?'] = Number(s.value[1]);
  return out;
}

describe('recorded fixture: disk-slow-follower', () => {
  let s: LoadedScenario;
  beforeAll(async () => { s = await loadScenario('disk-slow-follower'); });
  afterAll(async () => { await s?.stop(); });

  it('describes a slow disk on one follower', () => {
    expect(s.meta.fault.kind).toBe('disk');
    expect(s.meta.fault.role).toBe('follower');
    expect(s.meta.members.map((m) => m.name)).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    expect(s.times.faultStart).toBeGreaterThan(s.times.recordingStart);
    expect(s.times.faultEnd).toBeLessThanOrEqual(s.times.recordingEnd);
  });

  it('serves fsync histograms of all three members at the end of the recording', async () => {
    const q = 'count by (instance) (etcd_disk_wal_fsync_duration_seconds_bucket)';
    const got = await byInstance(s.url, q, s.times.recordingEnd);
    expect(Object.keys(got).sort()).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    for (const v of Object.values(got)) expect(v).toBe(15); // 14 bounds + le="+Inf"
  });

  it('shows the faulted member fsync p99 far above the others over the fault window', async () => {
    const window = Math.floor(s.times.faultEnd - s.times.faultStart);
    const q = `histogram_quantile(0.99, sum by (instance, le) (increase(etcd_disk_wal_fsync_duration_seconds_bucket[${window}s])))`;
    const p99 = await byInstance(s.url, q, s.times.faultEnd);
    const faulted = s.meta.fault.member!;
    const others = Object.entries(p99).filter(([k]) => k !== faulted).map(([, v]) => v);
    expect(others).toHaveLength(2);
    // The injected delay is 1.2 s per fdatasync; healthy loopback disks sync in a few ms.
    expect(p99[faulted]).toBeGreaterThan(0.5);
    for (const o of others) expect(o).toBeLessThan(0.1);
    expect(p99[faulted]! / Math.max(...others)).toBeGreaterThan(10);
  });

  it('ships every member log and the slow fdatasync warnings of the faulted member', async () => {
    const { readFileSync } = await import('node:fs');
    expect(Object.keys(s.logFiles).sort()).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    for (const f of Object.values(s.logFiles)) expect(existsSync(f)).toBe(true);
    const text = readFileSync(s.logFiles[s.meta.fault.member!]!, 'utf8');
    expect(text).toContain('"msg":"slow fdatasync"');
  });
});

describe('every recorded fixture loads', () => {
  for (const name of listScenarios()) {
    it(`${name}: Prometheus serves all three members at the end of the recording`, async () => {
      const s = await loadScenario(name);
      try {
        const up = await byInstance(s.url, 'up{job="etcd"}', s.times.recordingEnd);
        expect(Object.keys(up).sort()).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
        expect(Object.keys(s.logFiles).sort()).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
      } finally {
        await s.stop();
      }
    });
  }
});
