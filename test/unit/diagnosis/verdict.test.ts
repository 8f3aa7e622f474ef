import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/diagnosis/judge/verdict.js';
import { parsePlaybook } from '../../../src/diagnosis/playbook/load.js';
import type { CheckResult, MeasuredValue, Severity } from '../../../src/diagnosis/types.js';

const tuning = { clientPort: 2379, peerPort: 2380, interface: 'eth0' };

function result(playbook: string, check: string, values: Array<[string, number, Severity, string?]>): CheckResult {
  const vals: MeasuredValue[] = values.map(([member, value, severity, detail]) => ({
    member,
    value,
    formatted: String(value),
    severity,
    ...(detail ? { detail } : {}),
  }));
  return { playbook, check, title: check, unit: 'seconds', severity: 'ok', values: vals };
}

const pb = (yaml: string) => parsePlaybook(yaml, 'test.yaml');

const net = pb(`
id: net
title: N
description: D
checks:
  - { id: rtt, title: RTT, query: 'x{$selector}', unit: seconds, detailLabel: To, thresholds: { warning: 0.05, critical: 0.15 } }
causes:
  - { id: slow, title: Slow, when: { any: [rtt] }, localise: pairs, summary: "rtt {rtt}" }
`);

describe('verdict', () => {
  it('localises a slow link to the member found in every slow pair, even when it is only the far end', () => {
    const rtt = result('net', 'rtt', [
      ['etcd-1', 0.8, 'critical', 'etcd-3'],
      ['etcd-2', 0.8, 'critical', 'etcd-3'],
      ['etcd-3', 0.012, 'ok', 'etcd-1'],
      ['etcd-3', 0.012, 'ok', 'etcd-2'],
      ['etcd-1', 0.006, 'ok', 'etcd-2'],
    ]);
    const v = decide({ cluster: 'c', playbooks: [net], checks: [rtt], members: ['etcd-1', 'etcd-2', 'etcd-3'], tuning });
    expect(v.causes.map((c) => [c.cause, c.members, c.severity, c.summary])).toEqual([['slow', ['etcd-3'], 'critical', 'rtt 0.8']]);
  });

  it('names the member of the clearly slow pairs even when a marginal pair elsewhere is flagged too', () => {
    const rtt = result('net', 'rtt', [
      ['etcd-1', 0.3, 'critical', 'etcd-3'],
      ['etcd-2', 0.3, 'critical', 'etcd-3'],
      // One noisy probe just past the 50 ms line between the two healthy members.
      ['etcd-1', 0.06, 'warning', 'etcd-2'],
      ['etcd-3', 0.012, 'ok', 'etcd-1'],
    ]);
    const v = decide({ cluster: 'c', playbooks: [net], checks: [rtt], members: ['etcd-1', 'etcd-2', 'etcd-3'], tuning });
    expect(v.causes.map((c) => [c.cause, c.members])).toEqual([['slow', ['etcd-3']]]);
  });

  it('keeps every member named when every pair is slow', () => {
    const rtt = result('net', 'rtt', [
      ['a', 0.2, 'critical', 'b'],
      ['b', 0.2, 'critical', 'c'],
      ['c', 0.2, 'critical', 'a'],
    ]);
    const v = decide({ cluster: 'c', playbooks: [net], checks: [rtt], members: ['a', 'b', 'c'], tuning });
    expect(v.causes[0]!.members).toEqual(['a', 'b', 'c']);
  });

  const cpu = pb(`
id: cpu
title: C
description: D
checks: [{ id: busy, title: Busy, query: 'x{$selector}', unit: ratio, thresholds: { warning: 0.5 } }]
causes: [{ id: starved, title: Starved, when: { any: [busy] }, summary: s, explainedBy: [load/reads] }]
`);
  const load = pb(`
id: load
title: L
description: D
checks: [{ id: bytes, title: Bytes, query: 'x{$selector}', unit: ratio, thresholds: { warning: 1 } }]
causes: [{ id: reads, title: Reads, when: { any: [bytes] }, summary: s, explainedBy: [cpu/starved] }]
`);
  const disk = pb(`
id: disk
title: D
description: D
checks: [{ id: fsync, title: F, query: 'x{$selector}', unit: seconds, thresholds: { warning: 0.016 } }]
causes: [{ id: slow, title: Slow disk, when: { any: [fsync] }, summary: s, explainedBy: [cpu/starved] }]
`);

  it('when two causes explain each other, the stronger is the cause; effects follow the chain to it', () => {
    const checks = [
      result('cpu', 'busy', [['m', 0.6, 'warning']]),
      result('load', 'bytes', [['m', 9, 'critical']]),
      result('disk', 'fsync', [['m', 0.05, 'warning']]),
    ];
    const v = decide({ cluster: 'c', playbooks: [cpu, load, disk], checks, members: ['m'], tuning });
    expect(v.causes.map((c) => `${c.playbook}/${c.cause}`)).toEqual(['load/reads']);
    expect(v.consequences.map((c) => [`${c.playbook}/${c.cause}`, c.attributed_to]).sort()).toEqual([
      ['cpu/starved', 'load/reads'],
      ['disk/slow', 'load/reads'],
    ]);
  });

  it('an explanation on another member does not demote a cause', () => {
    const checks = [result('cpu', 'busy', [['a', 0.9, 'warning']]), result('disk', 'fsync', [['b', 2, 'warning']])];
    const v = decide({ cluster: 'c', playbooks: [cpu, load, disk], checks, members: ['a', 'b'], tuning });
    expect(v.causes.map((c) => [c.cause, c.members])).toEqual(
      expect.arrayContaining([
        ['starved', ['a']],
        ['slow', ['b']],
      ]),
    );
    expect(v.consequences).toEqual([]);
  });

  it('a commit time one doubling past its line on a CPU-pressed node is information; a clearly slow one stays a cause', () => {
    const disk = pb(`
id: disk
title: D
description: D
checks:
  - { id: commit, title: Commit, query: 'c{$selector}', unit: seconds, thresholds: { warning: 0.025, critical: 0.25 } }
  - { id: pressure, title: Pressure, query: 'p{$node_selector}', per: cluster, unit: ratio, thresholds: { warning: 0.75, critical: 0.9 } }
causes:
  - { id: btree, title: Commits slow, when: { all: [commit] }, marginalWhen: [pressure], summary: "commit {commit}" }
`);
    const pressure = result('disk', 'pressure', [['*', 0.86, 'warning']]);
    const at = (commit: number) =>
      decide({ cluster: 'c', playbooks: [disk], checks: [result('disk', 'commit', [['etcd-2', commit, 'warning']]), pressure], members: ['etcd-1', 'etcd-2'], tuning });
    const marginal = at(0.032);
    expect(marginal.causes).toEqual([]);
    expect(marginal.information.map((i) => [i.cause, i.members, i.summary])).toEqual([['btree', ['etcd-2'], 'commit 0.032, one bucket past the line while pressure is 0.86']]);
    expect(at(0.064).causes.map((c) => [c.cause, c.members])).toEqual([['btree', ['etcd-2']]]);
    // Without the pressure the same marginal commit is a cause.
    const calm = decide({ cluster: 'c', playbooks: [disk], checks: [result('disk', 'commit', [['etcd-2', 0.032, 'warning']])], members: ['etcd-1', 'etcd-2'], tuning });
    expect(calm.causes.map((c) => c.cause)).toEqual(['btree']);
  });
});
