import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { readEnv } from '../../../src/config/env.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { startServices, type RunningServices } from '../../../src/cli/run/services.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';

/** The first step of a shutdown: readiness fails while the process still answers, so traffic moves away. */
let redis: RunningProcess & { url: string };
let front: RunningServices;

beforeAll(async () => {
  redis = await startRedis();
  front = await startServices('serve', {
    config: parseConfigText('clusters:\n  lab:\n    prometheus: { url: "http://127.0.0.1:9" }\n    selector: { job: etcd }\n', 'test.yaml', {}),
    playbooks: loadPlaybooks(),
    env: readEnv({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: 'http://127.0.0.1:9/api/', REDIS_URL: redis.url, LOG_LEVEL: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('silent'),
  });
}, 60_000);

afterAll(async () => {
  await front?.stop();
  await redis?.stop();
});

describe('draining the HTTP front', () => {
  it('turns /readyz to 503 with the reason while /healthz still answers 200', async () => {
    // Ready once its Redis connection is up.
    await waitFor('readiness', async () => (await fetch(`${front.url}/readyz`)).status === 200, 10_000);
    front.drain();
    const ready = await fetch(`${front.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', redis: 'shutting down' });
    expect((await fetch(`${front.url}/healthz`)).status).toBe(200);
  });
});
