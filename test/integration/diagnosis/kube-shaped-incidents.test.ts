import { afterAll, describe, expect, it } from 'vitest';
import { renderText } from '../../../src/report/text.js';
import { alertTriageMessage } from '../../../src/report/alerts/alert-triage.js';
import { collectChartData, type ChartData } from '../../../src/diagnosis/chart-series.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { parseConfigText } from '../../../src/config/load.js';
import { PrometheusRegistry } from '../../../src/sources/prometheus/registry.js';
import type { Diagnosis } from '../../../src/diagnosis/types.js';
import { expectedFor, judge, type Expected } from '../../support/expected-verdicts.js';
import { listScenarios, loadScenario, type LoadedScenario, type ScenarioMeta } from '../../support/fixture-prometheus.js';
import { kubeShapeTransform, podOf, type KubeShapeOptions } from '../../support/kube-shape.js';
import { diagnoseKubeShaped } from '../../support/kube-shape-diagnosis.js';
import { diagnoseRecorded } from '../../support/recorded-diagnosis.js';

/**
 * The recorded incidents as a kube-prometheus-stack install scrapes them (test/support/kube-shape.ts):
 * job kube-etcd, members at 10.0.0.1N:2381 named by their pods etcd-cp-N, one node_exporter per
 * control-plane node. The diagnosis must name the same causes on the same members, by pod name, and tie
 * node evidence to the member whose node shows it.
 */
const scenarios = listScenarios();
const loaded: LoadedScenario[] = [];
afterAll(async () => {
  await Promise.all(loaded.map((s) => s.stop()));
});

async function load(name: string, shape?: KubeShapeOptions): Promise<LoadedScenario> {
  const s = await loadScenario(name, shape ? { transform: kubeShapeTransform(shape) } : {});
  loaded.push(s);
  return s;
}

const COPIES: KubeShapeOptions = { nodes: { kind: 'copies' } };
const labNamesToPods = (text: string): string => text.replace(/\betcd-(\d)\b/g, 'etcd-cp-$1');
const ref = (c: { playbook: string; cause: string; members: string[] }): string => `${c.playbook}/${c.cause} on ${c.members.join(', ')}`;
const checkOf = (d: Diagnosis, playbook: string, check: string) => d.findings.find((f) => f.playbook === playbook)!.checks.find((c) => c.check === check)!;

describe('recorded incidents in the kube-prometheus-stack shape', () => {
  it.each(scenarios)('%s: the same verdict as in the lab, members named by their pods, addresses only in the JSON', async (name) => {
    const kube = await load(name, COPIES);
    const { diagnosis: k, evidence } = await diagnoseKubeShaped(kube);
    const lab = await load(name);
    const { diagnosis: l } = await diagnoseRecorded(lab, { url: lab.url }, {}, {
      endS: Math.floor(lab.times.faultEnd),
      windowSeconds: Math.min(180, Math.floor(lab.times.faultEnd - lab.times.faultStart)),
    });

    expect(evidence.queries.length).toBeLessThanOrEqual(40);
    expect(evidence.queries.filter((q) => q.error)).toEqual([]);
    // The expected verdict, with the faulted member under its pod name.
    const meta: ScenarioMeta = { ...kube.meta, fault: { ...kube.meta.fault, member: kube.meta.fault.member && podOf(kube.meta.fault.member) } };
    const expected = JSON.parse(labNamesToPods(JSON.stringify(expectedFor(name, kube.meta)))) as Expected;
    expect(judge(k, expected, meta)).toMatchObject({ right: true });
    // Cause for cause, effect for effect, what the lab's own labels gave.
    expect(k.causes.map(ref)).toEqual(l.causes.map(ref).map(labNamesToPods));
    expect(k.consequences.map(ref)).toEqual(l.consequences.map(ref).map(labNamesToPods));
    expect(k.healthy).toBe(l.healthy);

    expect(k.members.map((m) => [m.name, m.address, m.node])).toEqual([
      ['etcd-cp-1', '10.0.0.11:2381', '10.0.0.11:9100'],
      ['etcd-cp-2', '10.0.0.12:2381', '10.0.0.12:9100'],
      ['etcd-cp-3', '10.0.0.13:2381', '10.0.0.13:9100'],
    ]);
    const text = renderText(k);
    expect(text).not.toMatch(/10\.0\.0\.1\d/);
    expect(text).not.toMatch(/\betcd-\d\b/);
    if (kube.meta.fault.member) expect(text).toContain(podOf(kube.meta.fault.member));
    // Every member's node was found: nothing listed as missing about nodes.
    expect(k.missing_evidence.filter((m) => m.check === 'node')).toEqual([]);
  });

  it('peer ids in the round-trip labels are shown as the pods they belong to', async () => {
    const { diagnosis } = await diagnoseKubeShaped(await load('network-slow-follower', COPIES));
    const breached = checkOf(diagnosis, 'network', 'peer_rtt_p99').values.filter((v) => v.severity !== 'ok');
    expect(breached.map((v) => `${v.member}→${v.detail}`).sort()).toEqual(['etcd-cp-1→etcd-cp-3', 'etcd-cp-2→etcd-cp-3']);
    expect(diagnosis.headline).toMatch(/^Slow network between members on etcd-cp-3: /);
  });

  it('CPU starvation lands on the member whose node shows the pressure, the others\' nodes read as theirs', async () => {
    // etcd-2's node carries the host as recorded under the fault; the other two nodes carry the same
    // host's series from the healthy control, moved onto this recording's timeline.
    const s = await load('cpu-starved-follower', { nodes: { kind: 'split', faulted: 'etcd-2', healthyFrom: 'healthy-control' } });
    const { diagnosis } = await diagnoseKubeShaped(s);
    const pressure = checkOf(diagnosis, 'resources', 'node_cpu_pressure');
    expect(pressure.values.map((v) => [v.member, v.severity])).toEqual([
      ['etcd-cp-1', 'ok'],
      ['etcd-cp-2', 'warning'],
      ['etcd-cp-3', 'ok'],
    ]);
    expect(diagnosis.causes[0]).toMatchObject({ playbook: 'resources', cause: 'cpu-starved', members: ['etcd-cp-2'] });
    expect(diagnosis.headline).toMatch(/^CPU starvation on etcd-cp-2: node CPU pressure 8\d(\.\d)?%/);
    // No CPU cause is smeared onto the members whose nodes were not pressed.
    for (const c of diagnosis.causes.filter((x) => x.playbook === 'resources')) expect(c.members).toEqual(['etcd-cp-2']);
  });

  it('a shared node (the lab\'s one host) names no member by itself: one reading for all', async () => {
    const s = await load('cpu-starved-follower');
    const { diagnosis } = await diagnoseRecorded(s, { url: s.url }, {}, { endS: Math.floor(s.times.faultEnd), windowSeconds: 180 });
    const pressure = checkOf(diagnosis, 'resources', 'node_cpu_pressure');
    expect(pressure.values.map((v) => v.member)).toEqual(['*']);
    expect(diagnosis.members.map((m) => m.node)).toEqual(['127.0.0.1:32091', '127.0.0.1:32091', '127.0.0.1:32091']);
    // The member is named by what is its own (failed scrapes, its timings), not by the host's pressure.
    expect(diagnosis.causes[0]).toMatchObject({ cause: 'cpu-starved', members: ['etcd-2'] });
    expect(checkOf(diagnosis, 'resources', 'scrape_gaps').values.find((v) => v.member === 'etcd-2')!.severity).not.toBe('ok');
  });

  it('a member whose node_exporter is not scraped is reported with what was looked for, never guessed', async () => {
    const s = await load('cpu-starved-follower', { nodes: { kind: 'copies' }, unscraped: ['etcd-3'] });
    const { diagnosis } = await diagnoseKubeShaped(s);
    expect(diagnosis.missing_evidence).toContainEqual({
      playbook: 'resources',
      check: 'node',
      reason: 'no node_exporter series for etcd-cp-3 (looked for instance=~"10.0.0.13:.*")',
    });
    for (const id of ['node_cpu_pressure', 'node_cpu_busy', 'node_iowait', 'node_memory_available']) {
      expect(checkOf(diagnosis, 'resources', id).values.map((v) => v.member)).toEqual(['etcd-cp-1', 'etcd-cp-2']);
    }
    expect(diagnosis.members.find((m) => m.name === 'etcd-cp-3')!.node).toBeUndefined();
    expect(diagnosis.causes[0]).toMatchObject({ cause: 'cpu-starved', members: ['etcd-cp-2'] });
    expect(renderText(diagnosis)).toMatch(/Missing evidence:[\s\S]*no node_exporter series for etcd-cp-3/);
  });

  it.each([
    ['a label both carry', { by: 'label', memberLabel: 'node' }],
    ['an explicit map', { by: 'map', members: { '10.0.0.11:2381': '10.0.0.11:9100', '10.0.0.12:2381': '10.0.0.12:9100', '10.0.0.13:2381': '10.0.0.13:9100' } }],
  ])('members find their nodes by %s as by the address', async (_, match) => {
    const s = await load('cpu-starved-follower', { nodes: { kind: 'split', faulted: 'etcd-2', healthyFrom: 'healthy-control' } });
    const { diagnosis } = await diagnoseKubeShaped(s, { nodeExporter: { selector: { job: 'node-exporter' }, match } });
    const expectedNodes = match.by === 'label' ? ['cp-1', 'cp-2', 'cp-3'] : ['10.0.0.11:9100', '10.0.0.12:9100', '10.0.0.13:9100'];
    expect(diagnosis.members.map((m) => m.node)).toEqual(expectedNodes);
    expect(checkOf(diagnosis, 'resources', 'node_cpu_pressure').values.map((v) => [v.member, v.severity])).toEqual([
      ['etcd-cp-1', 'ok'],
      ['etcd-cp-2', 'warning'],
      ['etcd-cp-3', 'ok'],
    ]);
  });

  it('a match that ties no member to a node says so, instead of blaming the collector', async () => {
    const s = await load('cpu-starved-follower', COPIES);
    const match = { by: 'host', memberLabel: 'pod', nodeLabel: 'instance' };
    const { diagnosis } = await diagnoseKubeShaped(s, { nodeExporter: { selector: { job: 'node-exporter' }, match } });
    expect(diagnosis.missing_evidence).toContainEqual({
      playbook: 'resources',
      check: 'node_cpu_pressure, node_cpu_busy, node_iowait, node_memory_available',
      reason: 'node_exporter answered for 3 nodes, none of them a member\'s: check nodeExporter.match',
    });
    expect(diagnosis.missing_evidence).toContainEqual({ playbook: 'resources', check: 'node', reason: 'no node_exporter series for etcd-cp-2 (looked for instance=~"etcd-cp-2:.*")' });
  });

  it('without node_exporter for the data device, the disk verdict stands on etcd\'s own timings and the device numbers are listed as missing', async () => {
    const s = await load('disk-slow-follower', COPIES);
    const { diagnosis } = await diagnoseKubeShaped(s);
    expect(diagnosis.causes[0]).toMatchObject({ cause: 'slow-disk', members: ['etcd-cp-2'] });
    // The summary says nothing of a device it has no numbers for.
    expect(diagnosis.causes[0]!.summary).not.toMatch(/device|n\/a/);
    // One line for the three device checks, which miss for one reason.
    expect(diagnosis.missing_evidence.filter((m) => m.check.includes('node_disk_'))).toEqual([
      { playbook: 'disk', check: 'node_disk_util, node_disk_write_latency, node_disk_queue', reason: expect.stringMatching(/^No node_disk_\* series/) },
    ]);
  });

  it('charts draw members under their pod names, the faulted one highlighted', async () => {
    const s = await load('disk-slow-follower', COPIES);
    const { diagnosis, evidence } = await diagnoseKubeShaped(s);
    const prometheus = new PrometheusRegistry(parseConfigText(`clusters:\n  prod:\n    prometheus: { url: "${s.url}" }\n    selector: { job: kube-etcd }\n`, 'c.yaml', {}), {});
    try {
      const [chart] = await collectChartData(diagnosis, evidence, loadPlaybooks(), prometheus.forCluster('prod'));
      expect(chart && !('error' in chart)).toBe(true);
      const data = chart as ChartData;
      expect(data.series.map((x) => x.member)).toEqual(['etcd-cp-1', 'etcd-cp-2', 'etcd-cp-3']);
      expect(data.highlighted).toEqual(['etcd-cp-2']);
    } finally {
      await prometheus.close();
    }
  });

  it('an alert naming a member by its address gets the triage line under the member\'s pod name', async () => {
    const { diagnosis } = await diagnoseKubeShaped(await load('disk-slow-follower', COPIES));
    // The etcd mixin's alerts carry the target's instance label.
    const msg = alertTriageMessage(diagnosis, { alertnames: ['etcdHighFsyncDurations'], members: ['10.0.0.12:2381', '10.0.0.11:2381'], playbooks: ['disk'] });
    expect(msg.text).toMatch(/\netcd-cp-2: Slow disk \(critical, \w+ confidence\)\netcd-cp-1: no cause found on this member; the evidence points at etcd-cp-2\n/);
  });
});
