/**
 * One worker process watching a fleet: N clusters (default 100, all reading a real Prometheus that serves
 * the healthy-control recording, shifted so it is happening now), the watch at a short interval so that
 * a minute holds several ticks. Measures the worker's CPU time per evaluation, its memory, the Prometheus
 * queries per evaluation, and that nothing was posted (the recording is healthy). The CPU share at the
 * default 30 s interval is derived: CPU per evaluation × clusters / 30 s; it grows linearly with clusters.
 * Run: npx tsx test/bench/watch-fleet.ts [clusters] [seconds] [intervalSeconds]
 */
import './own-tmpdir.js';
import { Redis } from 'ioredis';
import { startServices } from '../../src/cli/run/services.js';
import { readEnv } from '../../src/config/env.js';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { WatchStore } from '../../src/incidents/watch/watch-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { loadScenario } from '../support/fixture-prometheus.js';
import { startRedis } from '../support/redis.js';
import { SlackStandin } from '../support/slack-standin.js';
import { reportBench } from './bench-result.js';

const clusters = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 60);
const interval = Number(process.argv[4] ?? 10);
const names = Array.from({ length: clusters }, (_, i) => `c${String(i).padStart(3, '0')}`);

const [redisProc, prom, slack] = await Promise.all([
  startRedis(),
  // The healthy recording, placed so that "now" is inside it for the whole run.
  loadScenario('healthy-control', { endAt: Math.floor(Date.now() / 1000) + seconds + 60 }),
  SlackStandin.start(),
]);
const redis = new Redis(redisProc.url);
try {
  const config = parseConfigText(
    `watch: { enabled: true, intervalSeconds: ${interval} }\nclusters:\n${names
      .map((n) => `  ${n}:\n    prometheus: { url: "${prom.url}", timeoutMs: 5000, maxConnections: 2 }\n    selector: { job: etcd }\n    nodeExporter: { selector: { job: node } }\n    slack: { channels: [C0${n.toUpperCase()}] }\n`)
      .join('')}`,
    'bench.yaml',
    {},
  );
  const prefix = 'benchwatch';
  const worker = await startServices('worker', {
    config,
    playbooks: loadPlaybooks(),
    env: readEnv({ SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, REDIS_URL: redisProc.url, LOG_LEVEL: 'silent' }),
    prefix,
    logger: createLogger('silent'),
  });
  // The first tick warms caches and connections: measure from the second interval on.
  await new Promise((r) => setTimeout(r, interval * 1000));
  const evaluations = async (): Promise<number> => {
    const m = (await worker.metrics.registry.getSingleMetric('etcd_triage_watch_evaluations_total')?.get())?.values ?? [];
    return m.reduce((n, v) => n + v.value, 0);
  };
  const before = { cpu: process.cpuUsage(), evals: await evaluations(), at: Date.now() };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(before.cpu);
  const evals = (await evaluations()) - before.evals;
  const elapsed = (Date.now() - before.at) / 1000;
  const mem = process.memoryUsage();
  const store = new WatchStore(redis, prefix);
  const last = await store.lastEvaluations(names);
  const queries = [...last.values()].map((e) => e.queries);
  await worker.stop();

  const cpuMsPerEval = (cpu.user + cpu.system) / 1000 / Math.max(1, evals);
  const shareAt30 = (cpuMsPerEval * clusters) / 30_000;
  const expected = (clusters * elapsed) / interval;
  process.stdout.write(
    `${clusters} clusters, ${interval} s interval, ${elapsed.toFixed(0)} s measured: ${evals} evaluations (${expected.toFixed(0)} ticks due), ` +
      `${cpuMsPerEval.toFixed(1)} ms CPU each, ${Math.max(...queries)} queries max, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, ` +
      `${slack.okCallsOf('chat.postMessage').length} messages posted\n`,
  );
  reportBench({
    bench: 'watch-fleet',
    what: `watch, ${clusters} clusters in one worker: CPU at a 30 s interval`,
    budget: 'one process keeps up (every tick evaluated)',
    measured: `${(shareAt30 * 100).toFixed(1)}% of a core (${cpuMsPerEval.toFixed(1)} ms CPU per evaluation); ${evals}/${expected.toFixed(0)} ticks evaluated; rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`,
    pass: evals >= expected * 0.9,
  });
  reportBench({
    bench: 'watch-fleet',
    what: 'Prometheus queries per cluster per evaluation',
    budget: '≤ 10',
    measured: String(Math.max(...queries)),
    pass: Math.max(...queries) <= 10,
  });
  reportBench({
    bench: 'watch-fleet',
    what: 'warnings posted on the healthy recording',
    budget: '0',
    measured: String(slack.okCallsOf('chat.postMessage').length),
    pass: slack.okCallsOf('chat.postMessage').length === 0,
  });
} finally {
  redis.disconnect();
  await Promise.all([redisProc.stop(), prom.stop(), slack.stop()]);
}
