import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { SharedEvidence } from '../../../src/jobs/alerts/evidence-share.js';
import { PrometheusRegistry } from '../../../src/sources/prometheus/registry.js';
import { startRedis } from '../../support/redis.js';
import { freePort, startProcess, tempDir, type RunningProcess } from '../../support/processes.js';

/** Two worker processes' triages for one cluster within seconds: one evidence collection between them. */
let redis: RunningProcess & { url: string };
let prom: RunningProcess;
let promUrl: string;
let a: Redis;
let b: Redis;

beforeAll(async () => {
  const dir = tempDir('prom-share');
  writeFileSync(join(dir, 'p.yml'), 'global: {}\nscrape_configs: []\n');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  [redis, prom] = await Promise.all([
    startRedis(),
    startProcess({
      name: 'prometheus-share',
      command: 'prometheus',
      args: [`--config.file=${join(dir, 'p.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      port,
      ready: async () => (await fetch(`${promUrl}/-/ready`)).ok,
    }),
  ]);
  a = new Redis(redis.url);
  b = new Redis(redis.url);
}, 60_000);

afterAll(async () => {
  a?.disconnect();
  b?.disconnect();
  await Promise.all([redis?.stop(), prom?.stop()]);
});

describe('SharedEvidence', () => {
  it('shares one collection across processes (Redis) and within one (in flight)', async () => {
    const config = parseConfigText(`clusters:\n  lab:\n    prometheus: { url: "${promUrl}" }\n    selector: { job: etcd }\n`, 't.yaml', {});
    const playbooks = loadPlaybooks();
    const registries = [new PrometheusRegistry(config), new PrometheusRegistry(config)];
    // One prefix for both "processes": computed once, or a millisecond tick between them splits them.
    const prefix = `se${Date.now()}`;
    const [p1, p2] = registries.map(
      (prometheus, i) => new SharedEvidence({ deps: { config, playbooks, prometheus }, shareMs: 10_000, redis: i === 0 ? a : b, prefix }),
    );
    const origin = { kind: 'alert' as const, groupKey: 'g', channelId: 'C1' };
    const all = await Promise.all([
      ...Array.from({ length: 5 }, () => p1!.get('lab', 900, origin)),
      ...Array.from({ length: 5 }, () => p2!.get('lab', 900, origin)),
    ]);
    expect(p1!.collections + p2!.collections).toBe(1);
    expect(new Set(all.map((e) => e.collectedAt)).size).toBe(1);
    expect(all[0]!.queries.length).toBeGreaterThan(0);
    await Promise.all(registries.map((r) => r.close()));
  });
});
