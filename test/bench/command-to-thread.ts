/**
 * Time from a signed `/etcd why-slow` to its thread reply in Slack, through the real Bolt receiver,
 * Redis/BullMQ and a real Prometheus serving a recorded incident (the Slack Web API is the stand-in).
 * Run: npx tsx test/bench/command-to-thread.ts [runs]
 */
import './own-tmpdir.js';
import { performance } from 'node:perf_hooks';
import { SlackStandin } from '../support/slack-standin.js';
import { sendSlashCommand } from '../support/slack-sign.js';
import { startRedis } from '../support/redis.js';
import { loadScenario } from '../support/fixture-prometheus.js';
import { waitFor } from '../support/processes.js';
import { reportBench } from './bench-result.js';
import { startTestBot } from '../support/test-bot.js';

const runs = Number(process.argv[2] ?? 20);
const SECRET = 'bench-secret';
const CHANNEL = 'C0BENCH';
const [redis, prom, slack] = await Promise.all([
  startRedis(),
  loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
  SlackStandin.start(),
]);
try {
  const bot = await startTestBot({
    config: `clusters:\n  lab:\n    prometheus: { url: "${prom.url}" }\n    selector: { job: etcd }\n    nodeExporter: { selector: { job: node }, match: { by: host, memberLabel: address, nodeLabel: address } }\n    slack: { channels: ["${CHANNEL}"] }\n`,
    name: 'bench.yaml',
    slack,
    redisUrl: redis.url,
    signingSecret: SECRET,
    prefix: `bench${Date.now()}`,
  });
  const acks: number[] = [];
  const parents: number[] = [];
  const replies: number[] = [];
  for (let i = 0; i < runs; i++) {
    // A different window each time so that no request joins an earlier one.
    const window = `${5 + i}m`;
    const before = slack.okCallsOf('chat.postMessage').length;
    const t0 = performance.now();
    const res = await sendSlashCommand(`${bot.url}/slack/commands`, SECRET, { text: `why-slow lab ${window}`, channel_id: CHANNEL });
    acks.push(res.latencyMs);
    await waitFor('parent', () => slack.okCallsOf('chat.postMessage').length > before, 30_000, 5);
    parents.push(performance.now() - t0);
    await waitFor('thread reply', () => slack.okCallsOf('chat.postMessage').slice(before).some((c) => typeof c.args.thread_ts === 'string'), 30_000, 5);
    replies.push(performance.now() - t0);
  }
  await bot.stop();
  const q = (xs: number[], p: number): string => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(0);
  };
  console.log(`${runs} signed /etcd why-slow commands, one after another, all 7 playbooks:`);
  console.log(`ack             p50 ${q(acks, 0.5)} ms  p99 ${q(acks, 0.99)} ms`);
  console.log(`parent posted   p50 ${q(parents, 0.5)} ms  p99 ${q(parents, 0.99)} ms`);
  console.log(`thread reply    p50 ${q(replies, 0.5)} ms  p99 ${q(replies, 0.99)} ms`);
  reportBench({
    bench: 'command-to-thread',
    what: `/etcd why-slow → thread reply, ${runs} commands one after another into one channel`,
    budget: '',
    measured: `ack p50 ${q(acks, 0.5)} ms; parent p50 ${q(parents, 0.5)} ms; reply p50 ${q(replies, 0.5)} ms, p99 ${q(replies, 0.99)} ms`,
    pass: null,
  });
} finally {
  await Promise.all([redis.stop(), prom.stop(), slack.stop()]);
}
