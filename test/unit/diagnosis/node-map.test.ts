import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import type { MemberInfo } from '../../../src/diagnosis/evidence/members.js';
import { hostOf, mapMembersToNodes } from '../../../src/diagnosis/evidence/node-map.js';
import { displayNames } from '../../../src/diagnosis/evidence/member-names.js';

/** Members as a kube-prometheus-stack install labels them (job kube-etcd, kubeadm's metrics port). */
const member = (n: number, labels: Record<string, string> = {}): MemberInfo => ({
  name: `10.0.0.1${n}:2381`,
  seen: true,
  leader: false,
  labels: { pod: `etcd-cp-${n}`, node: `cp-${n}`, ...labels },
});
const MEMBERS = [member(1), member(2), member(3)];
/** node_exporter's series per node: the node signals and node_uname_info's nodename. */
const NODES = [1, 2].flatMap((n): Array<Record<string, string>> => [
  { instance: `10.0.0.1${n}:9100`, node: `cp-${n}`, signal: 'cpu_pressure' },
  { instance: `10.0.0.1${n}:9100`, node: `cp-${n}`, nodename: `cp-${n}.internal`, signal: 'uname' },
]);

describe('members tied to their nodes', () => {
  it('takes the host part of an address in every form Prometheus targets carry', () => {
    expect(hostOf('10.0.0.11:2379')).toBe('10.0.0.11');
    expect(hostOf('https://10.0.0.11:2379/')).toBe('10.0.0.11');
    expect(hostOf('[fd00::11]:2381')).toBe('fd00::11');
    expect(hostOf('fd00::11')).toBe('fd00::11');
    expect(hostOf('cp-1')).toBe('cp-1');
  });

  it('by default by host, and says what it looked for when a node is missing', () => {
    const map = mapMembersToNodes(MEMBERS, 'instance', { by: 'host', nodeLabel: 'instance' }, 'instance', NODES);
    expect(Object.fromEntries(map.nodeOf)).toEqual({ '10.0.0.11:2381': '10.0.0.11:9100', '10.0.0.12:2381': '10.0.0.12:9100' });
    expect(map.unmatched).toEqual([{ member: '10.0.0.13:2381', lookedFor: 'looked for instance=~"10.0.0.13:.*"' }]);
  });

  it('by a label, by node_uname_info\'s nodename, or by an explicit map', () => {
    const byLabel = mapMembersToNodes(MEMBERS, 'instance', { by: 'label', memberLabel: 'node' }, 'node', NODES);
    expect([...byLabel.nodeOf.values()]).toEqual(['cp-1', 'cp-2']);
    expect(byLabel.unmatched).toEqual([{ member: '10.0.0.13:2381', lookedFor: 'looked for node="cp-3"' }]);

    const hosts = MEMBERS.map((m, i) => ({ ...m, labels: { ...m.labels, node: `cp-${i + 1}.internal` } }));
    const byName = mapMembersToNodes(hosts, 'instance', { by: 'nodename', memberLabel: 'node' }, 'instance', NODES);
    expect([...byName.nodeOf.values()]).toEqual(['10.0.0.11:9100', '10.0.0.12:9100']);
    expect(byName.unmatched[0]!.lookedFor).toBe('looked for node_uname_info{nodename="cp-3.internal"}');

    const byMap = mapMembersToNodes(MEMBERS, 'instance', { by: 'map', nodeLabel: 'instance', members: { '10.0.0.11:2381': '10.0.0.12:9100' } }, 'instance', NODES);
    expect(Object.fromEntries(byMap.nodeOf)).toEqual({ '10.0.0.11:2381': '10.0.0.12:9100' });
    expect(byMap.unmatched.map((u) => u.lookedFor)).toEqual([
      '10.0.0.12:2381 is not listed in nodeExporter.match.members',
      '10.0.0.13:2381 is not listed in nodeExporter.match.members',
    ]);
  });

  it('never takes a member\'s host from a label its target lacks', () => {
    const map = mapMembersToNodes([member(1)], 'instance', { by: 'host', memberLabel: 'address', nodeLabel: 'instance' }, 'instance', NODES);
    expect(map.unmatched).toEqual([{ member: '10.0.0.11:2381', lookedFor: 'its etcd target has no address label to take the host from' }]);
  });
});

describe('member display names', () => {
  it('are the display label\'s values; a member without one, or sharing one, keeps its address', () => {
    const names = displayNames([member(1), member(2, { pod: 'etcd-cp-1' }), { ...member(3), labels: {} }], 'pod');
    expect([...names.values()]).toEqual(['10.0.0.11:2381', '10.0.0.12:2381', '10.0.0.13:2381']);
    expect([...displayNames(MEMBERS, 'pod').values()]).toEqual(['etcd-cp-1', 'etcd-cp-2', 'etcd-cp-3']);
  });
});

describe('nodeExporter and members config', () => {
  const cluster = (extra: string) => `clusters:\n  prod:\n    prometheus: { url: "http://prometheus:9090" }\n    selector: { job: kube-etcd }\n${extra}`;
  it('defaults to matching by host on the instance label', () => {
    const c = parseConfigText(cluster('    nodeExporter: { selector: { job: node-exporter } }\n    members: { displayLabel: pod }\n'), 'c.yaml', {});
    expect(c.clusters.prod!.nodeExporter).toEqual({ selector: { job: 'node-exporter' }, match: { by: 'host', nodeLabel: 'instance' } });
    expect(c.clusters.prod!.members).toEqual({ displayLabel: 'pod' });
  });

  it.each([
    ['    nodeExporter: { selector: { job: node-exporter }, match: { by: guess } }\n', /nodeExporter\.match.*by: host, label, nodename or map/s],
    ['    nodeExporter: { selector: { job: node-exporter }, match: { by: map, members: {} } }\n', /nodeExporter\.match\.members.*at least one member/s],
    ['    nodeExporter: { selector: { job: node-exporter }, match: { by: label } }\n', /nodeExporter\.match\.memberLabel: must name the etcd target label that holds the node/],
    ['    nodeExporter: { selector: { job: node-exporter }, device: "sda; rm" }\n', /nodeExporter\.device.*block device name/s],
    ['    members: { displayLabel: "pod name" }\n', /members\.displayLabel.*label name/s],
  ])('refuses %s naming the field', (extra, message) => {
    expect(() => parseConfigText(cluster(extra), 'c.yaml', {})).toThrow(message);
  });
});
