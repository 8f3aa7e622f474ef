import { describe, expect, it } from 'vitest';
import { runLabScenario } from '../support/lab.js';

/**
 * Each fault against the live lab: the signal the diagnosis rests on must show on the right member
 * and not on the others. (The diagnosis itself is asserted in lab-diagnosis.e2e.ts.)
 */

const p99 = (metric: string, instance: string, w = '30s'): string =>
  `histogram_quantile(0.99, sum by (le) (rate(${metric}_bucket{job="etcd",instance="${instance}"}[${w}])))`;

describe('live lab faults', () => {
  it('slow disk on a follower: its fsync p99 goes far above the others, the leader stays', async () => {
    await runLabScenario('disk', async (lab) => {
      const m = lab.fault.member!;
      expect(lab.fault.role).toBe('follower');
      const others = lab.layout.members.map((x) => x.name).filter((x) => x !== m);
      const faulted = (await lab.query(p99('etcd_disk_wal_fsync_duration_seconds', m)))!;
      expect(faulted).toBeGreaterThan(0.5);
      for (const o of others) expect((await lab.query(p99('etcd_disk_wal_fsync_duration_seconds', o)))!).toBeLessThan(0.1);
      expect(await lab.query(`sum(etcd_server_is_leader{job="etcd",instance="${m}"})`)).toBe(0);
    });
  });

  it('slow peer network on a follower: peer RTT towards it rises, fsync stays normal', async () => {
    await runLabScenario('network', async (lab) => {
      const rtt = await lab.query(`max(histogram_quantile(0.99, sum by (instance, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket{job="etcd",To="${lab.fault.memberId}"}[1m]))))`);
      expect(rtt).toBeGreaterThan(0.15);
      expect((await lab.query(p99('etcd_disk_wal_fsync_duration_seconds', lab.fault.member!)))!).toBeLessThan(0.1);
    });
  });

  it('CPU starvation of a follower: its timers inflate, the others stay normal', async () => {
    // Nice 15: at the default 10 a quiet 2-core machine still gives etcd enough CPU to hide the fault.
    await runLabScenario('cpu', async (lab) => {
      const m = lab.fault.member!;
      const others = lab.layout.members.map((x) => x.name).filter((x) => x !== m);
      expect((await lab.query(p99('etcd_disk_wal_fsync_duration_seconds', m)))!).toBeGreaterThan(0.1);
      for (const o of others) expect((await lab.query(p99('etcd_disk_wal_fsync_duration_seconds', o)))!).toBeLessThan(0.1);
      // Node CPU pressure is not asserted: with one of two cores contended it reads 0.17 on a quiet
      // machine and 0.3-0.9 on a busy one with no fault at all.
    }, { params: { cpuNice: 15 } });
  });

  it('expensive requests: client bytes sent multiply, request rate barely moves', async () => {
    await runLabScenario('expensive', async (lab) => {
      expect(await lab.query('sum(rate(etcd_network_client_grpc_sent_bytes_total{job="etcd"}[30s]))')).toBeGreaterThan(5e6);
      expect(await lab.query('sum(rate(grpc_server_handled_total{job="etcd",grpc_type="unary"}[30s]))')).toBeLessThan(100);
    });
  });

  it('write flood: apply backlog and pending proposals grow', async () => {
    await runLabScenario('capacity', async (lab) => {
      expect(await lab.query('max(max_over_time((etcd_server_proposals_committed_total{job="etcd"} - etcd_server_proposals_applied_total{job="etcd"})[30s:1s]))')).toBeGreaterThan(20);
      expect(await lab.query('max(max_over_time(etcd_server_proposals_pending{job="etcd"}[30s]))')).toBeGreaterThan(10);
    });
  });
});
