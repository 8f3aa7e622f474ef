import { describe, expect, it } from 'vitest';
import { clusterSchema } from '../../../src/config/schema.js';
import { readGuidelines } from '../../../src/diagnosis/onset/guidelines.js';
import { onsetVars, playbookCheckQuery, signalQueries, windowsFor } from '../../../src/diagnosis/onset/queries.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';

/**
 * The watch asks the disk playbook's own device-bound question: the check's query, its placeholders
 * filled by the diagnosis' renderer, over the watch's rate window instead of the diagnosis' worst 30 s.
 */
describe('the device-bound question the watch asks', () => {
  const { guidelines } = readGuidelines(loadPlaybooks());
  const cluster = clusterSchema.parse({ prometheus: { url: 'http://127.0.0.1:9090' }, selector: { job: 'etcd', cluster: 'a"b' }, memberLabel: 'pod' });

  it("is the playbook check's query over the watch's rate window, every placeholder filled", () => {
    const check = guidelines.fsync_device_bound!;
    for (const [scrape, window] of [[1, 30], [15, 38], [30, 75]] as const) {
      const promql = playbookCheckQuery(check.query, onsetVars(cluster), windowsFor(scrape))!;
      expect(promql).not.toContain('$');
      expect(promql).toContain(`rate(etcd_disk_wal_fsync_duration_seconds_sum{cluster="a\\"b",job="etcd"}[${window}s])`);
      expect(promql).toContain('max by (pod)');
    }
  });

  it('joins the disk latency query, so the evaluation still costs six queries; without the check it is not asked', () => {
    const w = windowsFor(1);
    const promql = playbookCheckQuery(guidelines.fsync_device_bound!.query, onsetVars(cluster), w);
    const withCheck = signalQueries(onsetVars(cluster), w, promql);
    expect(withCheck).toHaveLength(5);
    expect(withCheck.find((q) => q.name === 'disk latency')!.signals).toContain('fsync_device_bound');
    expect(signalQueries(onsetVars(cluster), w).flatMap((q) => q.signals)).not.toContain('fsync_device_bound');
  });
});
