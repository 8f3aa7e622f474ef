import { describe, expect, it } from 'vitest';
import { heartbeatElection } from '../../../src/diagnosis/compute/heartbeat-election.js';
import { tcPrioCommand } from '../../../src/diagnosis/compute/tc-prio.js';

describe('heartbeat and election from the measured round trip', () => {
  it.each([
    // rtt s, heartbeat ms, election ms
    [0.003, 100, 1000], // LAN: etcd's defaults are right
    [0.25, 250, 2500], // heartbeat ≈ RTT, election 10× RTT
    [0.809, 810, 8100],
    [3.28, 3280, 32800],
    [6, 6000, 50000], // election is capped at etcd's maximum of 50 s
  ])('RTT %s s → heartbeat %i ms, election %i ms', (rtt, hb, el) => {
    const t = heartbeatElection(rtt);
    expect(t.heartbeatMs).toBe(hb);
    expect(t.electionMs).toBe(el);
    if (el < 50000) {
      expect(t.electionMs).toBeGreaterThanOrEqual(10 * rtt * 1000);
      expect(t.electionMs).toBeGreaterThanOrEqual(5 * t.heartbeatMs);
    }
  });

  it('tc commands follow the tuning guide with this cluster\'s interface and ports', () => {
    const cmd = tcPrioCommand({ interface: 'ens5', peerPort: 12380, clientPort: 12379 });
    expect(cmd.split('\n')).toEqual([
      'tc qdisc add dev ens5 root handle 1: prio bands 3',
      'tc filter add dev ens5 parent 1: protocol ip prio 1 u32 match ip sport 12380 0xffff flowid 1:1',
      'tc filter add dev ens5 parent 1: protocol ip prio 1 u32 match ip dport 12380 0xffff flowid 1:1',
      'tc filter add dev ens5 parent 1: protocol ip prio 2 u32 match ip sport 12379 0xffff flowid 1:1',
      'tc filter add dev ens5 parent 1: protocol ip prio 2 u32 match ip dport 12379 0xffff flowid 1:1',
    ]);
  });
});
