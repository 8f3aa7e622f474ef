import { afterAll, describe, expect, it } from 'vitest';
import { renderText } from '../../../src/report/text.js';
import type { Diagnosis } from '../../../src/diagnosis/types.js';
import { formatValue } from '../../../src/diagnosis/format.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { diagnoseRecorded } from '../../support/recorded-diagnosis.js';
import { diagnoseKubeShaped } from '../../support/kube-shape-diagnosis.js';
import { kubeShapeTransform } from '../../support/kube-shape.js';
import { saturatedDeviceTransform } from '../../support/device-load.js';

/**
 * The data device's own numbers judged beside a slow-fsync verdict, on `disk-slow-follower-node`: a real
 * recording of a 1.2 s fdatasync delay injected in the syscall on etcd-3 (strace), which never reaches
 * the device, with node_exporter's disk counters and node_uname_info kept. The device there was quiet;
 * the saturated case is the same recording with its device counters rewritten (test/support/device-load.ts).
 */
const SCENARIO = 'disk-slow-follower-node';
const loaded: LoadedScenario[] = [];
afterAll(async () => {
  await Promise.all(loaded.map((s) => s.stop()));
});
async function load(transform?: Parameters<typeof loadScenario>[1]): Promise<LoadedScenario> {
  const s = await loadScenario(SCENARIO, transform);
  loaded.push(s);
  return s;
}
const checkOf = (d: Diagnosis, playbook: string, check: string) => d.findings.find((f) => f.playbook === playbook)!.checks.find((c) => c.check === check)!;

describe('node disk evidence beside a slow-fsync verdict', () => {
  it('a quiet device under slow fsyncs: the verdict says the time is lost above the device, and what to check there', async () => {
    const s = await load();
    const { diagnosis: d } = await diagnoseRecorded(s, { url: s.url });
    // The device's own numbers as recorded: busy a few percent of the time, writes well under a ms.
    const util = checkOf(d, 'disk', 'node_disk_util').values;
    const writes = checkOf(d, 'disk', 'node_disk_write_latency').values;
    expect(util).toHaveLength(1);
    expect(util[0]).toMatchObject({ member: '*', picked: 'vda', severity: 'ok' });
    expect(util[0]!.value).toBeLessThan(0.2);
    expect(writes[0]!.value).toBeLessThan(0.001);

    const top = d.causes[0]!;
    expect(top).toMatchObject({ playbook: 'disk', cause: 'slow-disk', members: ['etcd-3'], severity: 'critical' });
    expect(top.summary).toMatch(
      /; the device itself is not busy \(vda: \d+(\.\d+)?% utilised, writes \d+(\.\d+)? µs, queue 0(\.\d+)?\): the time is lost above it \(filesystem, fsync path, a noisy neighbour on shared storage, a throttled cloud volume\)$/,
    );
    // The numbers in the words are the measured ones.
    expect(top.summary).toContain(`vda: ${formatValue(util[0]!.value, 'ratio')} utilised, writes ${formatValue(writes[0]!.value, 'seconds')}`);
    expect(d.headline).toBe(`Slow disk on etcd-3: ${top.summary}`);
    // What to check first is above the device, on the device the numbers came from; raising etcd's I/O
    // priority on an idle device would change nothing, so it is not offered.
    expect(d.suggestions[0]).toMatchObject({ id: 'above-device', members: ['etcd-3'] });
    expect(d.suggestions[0]!.text).toMatch(/^The device under etcd-3's data dir \(vda\) was not busy while fsync was slow: look above it\./);
    expect(d.suggestions[0]!.command).toMatch(/io\.pressure.*iostat -dx vda 1 5$/);
    expect(d.suggestions.map((x) => x.id)).not.toContain('ionice');
    expect(d.suggestions.map((x) => x.id)).toContain('fio');
    // Information about the busy node's other members stays short: no device sentence there.
    for (const i of d.information ?? []) expect(i.summary).not.toMatch(/device itself/);
    expect(renderText(d)).toMatch(/^🔴 lab: Slow disk on etcd-3: .*the device itself is not busy \(vda: /);
  });

  it('a saturated device under slow fsyncs: the verdict says it is the device (device counters rewritten, see test/support/device-load.ts)', async () => {
    const s = await load({ transform: saturatedDeviceTransform(SCENARIO) });
    const { diagnosis: d } = await diagnoseRecorded(s, { url: s.url });
    const util = checkOf(d, 'disk', 'node_disk_util').values[0]!;
    const queue = checkOf(d, 'disk', 'node_disk_queue').values[0]!;
    expect(util.value).toBeGreaterThan(0.95);
    expect(util.severity).toBe('critical');
    expect(queue.value).toBeGreaterThan(8);
    expect(queue.severity).toBe('critical');

    const top = d.causes[0]!;
    expect(top).toMatchObject({ playbook: 'disk', cause: 'slow-disk', members: ['etcd-3'] });
    expect(top.summary).toMatch(/; the device itself is saturated \(vda: 9\d(\.\d+)?% utilised, writes \d+(\.\d+)? ms, queue \d+(\.\d+)?\): it is the device$/);
    expect(top.summary).not.toMatch(/not busy|lost above/);
    expect(d.suggestions[0]).toMatchObject({ id: 'device-saturated', members: ['etcd-3'] });
    expect(d.suggestions[0]!.text).toMatch(/^The device under etcd-3's data dir \(vda\) is saturated/);
    // Advice on the device's queue is back: there is one.
    expect(d.suggestions.map((x) => x.id)).toContain('ionice');
  });

  it('a device in use but below every line: its numbers are listed beside the verdict, without a judgement (busy time rewritten, see test/support/device-load.ts)', async () => {
    const s = await load({ transform: saturatedDeviceTransform(SCENARIO, 'half-busy') });
    const { diagnosis: d } = await diagnoseRecorded(s, { url: s.url });
    const util = checkOf(d, 'disk', 'node_disk_util').values[0]!;
    expect(util.value).toBeGreaterThan(0.5);
    expect(util.severity).toBe('ok');
    const top = d.causes[0]!;
    expect(top).toMatchObject({ playbook: 'disk', cause: 'slow-disk', members: ['etcd-3'] });
    expect(top.summary).toMatch(/; the device: vda: 5\d(\.\d+)?% utilised, writes \d+(\.\d+)? µs, queue 0(\.\d+)?$/);
    expect(d.suggestions.map((x) => x.id)).not.toContain('above-device');
    expect(d.suggestions.map((x) => x.id)).not.toContain('device-saturated');
    expect(d.suggestions.map((x) => x.id)).toContain('ionice');
  });

  it('the device judged per member\'s node in the kube-prometheus-stack shape, members named by pod', async () => {
    const s = await load({ transform: kubeShapeTransform({ nodes: { kind: 'copies' } }) });
    const { diagnosis: d } = await diagnoseKubeShaped(s);
    expect(checkOf(d, 'disk', 'node_disk_util').values.map((v) => [v.member, v.picked])).toEqual([
      ['etcd-cp-1', 'vda'],
      ['etcd-cp-2', 'vda'],
      ['etcd-cp-3', 'vda'],
    ]);
    expect(d.causes[0]).toMatchObject({ cause: 'slow-disk', members: ['etcd-cp-3'] });
    expect(d.causes[0]!.summary).toMatch(/the device itself is not busy \(vda: /);
    expect(d.suggestions[0]!.text).toMatch(/^The device under etcd-cp-3's data dir \(vda\)/);
  });
});

describe('members tied to their nodes by nodename (node_uname_info) on a recording', () => {
  it('each member finds the node whose node_uname_info carries its node\'s hostname', async () => {
    // kube shape: each control-plane node's copy of the host's node_uname_info says nodename="cp-N".
    const s = await load({ transform: kubeShapeTransform({ nodes: { kind: 'copies' } }) });
    const match = { by: 'nodename', memberLabel: 'node' };
    const { diagnosis: d } = await diagnoseKubeShaped(s, { nodeExporter: { selector: { job: 'node-exporter' }, match } });
    expect(d.members.map((m) => [m.name, m.node])).toEqual([
      ['etcd-cp-1', '10.0.0.11:9100'],
      ['etcd-cp-2', '10.0.0.12:9100'],
      ['etcd-cp-3', '10.0.0.13:9100'],
    ]);
    expect(d.missing_evidence.filter((m) => m.check === 'node')).toEqual([]);
    expect(checkOf(d, 'resources', 'node_cpu_pressure').values.map((v) => v.member)).toEqual(['etcd-cp-1', 'etcd-cp-2', 'etcd-cp-3']);
    expect(d.causes[0]).toMatchObject({ cause: 'slow-disk', members: ['etcd-cp-3'] });
    expect(d.causes[0]!.summary).toMatch(/the device itself is not busy \(vda: /);
  });

  it('the lab\'s own recording: its host\'s nodename ties no member that names another node, and says what was looked for', async () => {
    // The lab's etcd targets carry their member name in instance; the host's nodename is the machine's.
    const s = await load();
    const { diagnosis: d } = await diagnoseRecorded(s, { url: s.url }, {}, undefined, {
      nodeExporter: { selector: { job: 'node' }, match: { by: 'nodename', memberLabel: 'instance' } },
    });
    expect(d.members.map((m) => m.node)).toEqual([undefined, undefined, undefined]);
    expect(d.missing_evidence).toContainEqual({ playbook: 'resources', check: 'node', reason: 'no node_exporter series for etcd-3 (looked for node_uname_info{nodename="etcd-3"})' });
    // The disk verdict stands on etcd's own timings, without a word about a device it cannot tie.
    expect(d.causes[0]).toMatchObject({ cause: 'slow-disk', members: ['etcd-3'] });
    expect(d.causes[0]!.summary).not.toMatch(/device/);
  });
});
