import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { prometheusSchema } from '../../../src/config/schema.js';
import { PrometheusClient } from '../../../src/sources/prometheus/client.js';
import { PrometheusError } from '../../../src/sources/prometheus/errors.js';

/**
 * A query's answer is read up to `maxResponseBytes`: a selector that matches far more than the etcd
 * members (a whole fleet's targets) fails the query with a reason instead of filling the worker's memory.
 * Against a real Prometheus serving a recorded incident.
 */
let prom: LoadedScenario;
beforeAll(async () => {
  prom = await loadScenario('disk-slow-follower');
}, 120_000);
afterAll(async () => {
  await prom?.stop();
});

const client = (maxResponseBytes?: number): PrometheusClient =>
  new PrometheusClient(prometheusSchema.parse({ url: prom.url, ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }) }));
/** Every etcd series of the recording over its whole span: several MB, far more than any playbook asks. */
const everything = (c: PrometheusClient): Promise<unknown> => c.range('{__name__=~"etcd_.+"}', prom.times.recordingStart, prom.times.recordingEnd, 1);

describe('the size of a Prometheus answer', () => {
  it('a broad query under the default cap is read in full', async () => {
    const c = client();
    try {
      const series = (await everything(c)) as unknown[];
      expect(series.length).toBeGreaterThan(100);
    } finally {
      await c.close();
    }
  });

  it('past maxResponseBytes the query fails and says why, and the client still answers the next query', async () => {
    const c = client(256 * 1024);
    try {
      const err = await everything(c).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PrometheusError);
      expect((err as PrometheusError).kind).toBe('query');
      expect((err as PrometheusError).message).toBe(
        `the answer from ${new URL(prom.url).origin} is larger than 256 KiB (maxResponseBytes), far more than a few series per etcd member: does the cluster's selector match other targets too?`,
      );
      const up = await c.instant('up{job="etcd"}', prom.times.faultEnd);
      expect(up.length).toBe(3);
    } finally {
      await c.close();
    }
  });

  it('the cap is a size, within bounds', () => {
    expect(prometheusSchema.parse({ url: 'http://p:9090' }).maxResponseBytes).toBe(16 * 1024 * 1024);
    expect(prometheusSchema.safeParse({ url: 'http://p:9090', maxResponseBytes: 1000 }).success).toBe(false);
    expect(prometheusSchema.safeParse({ url: 'http://p:9090', maxResponseBytes: '16MiB' }).success).toBe(false);
  });
});
