/**
 * A handoff over a 12-hour shift with 500 timeline events: real Redis, a real Prometheus serving a
 * recorded incident (quick diagnosis and trends), a real Alertmanager with silences, and the Slack
 * stand-in answering chat.getPermalink. Times the whole build (gather + summary + Slack and text
 * rendering); the first run fetches every permalink, later runs find them in Redis.
 * Run: npx tsx test/bench/handoff.ts [runs]
 */
import './own-tmpdir.js';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { SlackDelivery } from '../../src/delivery/slack-client.js';
import { gatherHandoff } from '../../src/handoff/gather.js';
import { IncidentStore } from '../../src/incidents/alerts/incident-store.js';
import type { TimelineEvent } from '../../src/incidents/timeline/timeline-event.js';
import { TimelineStore } from '../../src/incidents/timeline/timeline-store.js';
import { handoffClusterMessages, handoffParentMessage } from '../../src/report/handoff/handoff-slack.js';
import { renderHandoff } from '../../src/report/handoff/handoff-text.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startAlertmanager } from '../support/alertmanager.js';
import { loadScenario } from '../support/fixture-prometheus.js';
import { startRedis } from '../support/redis.js';
import { SlackStandin } from '../support/slack-standin.js';
import { reportBench } from './bench-result.js';

const runs = Number(process.argv[2] ?? 10);
const H = 3600_000;
const CH = 'C0BENCH';
const [redisProc, prom, slack] = await Promise.all([
  startRedis(),
  loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
  SlackStandin.start(),
]);
const am = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:9/unused', token: 'x' });
const redis = new Redis(redisProc.url);
try {
  const job = prom.meta.prometheus.etcdJob;
  const config = parseConfigText(
    `handoff: { alertmanagerApiUrl: "${am.url}", maxIncidentsListed: 15 }\nclusters:\n  lab:\n    prometheus: { url: "${prom.url}" }\n    selector: { job: ${job} }\n`,
    'bench.yaml',
    {},
  );
  const prefix = 'bench';
  const timeline = new TimelineStore(redis, { prefix, ...config.handoff });
  const incidents = new IncidentStore(redis, { prefix, historyDays: 14 });
  const slackClient = new SlackDelivery({ botToken: slack.token, slackApiUrl: slack.apiUrl, logger: createLogger('silent') });

  for (let i = 0; i < 5; i++) {
    await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'alertname', value: `etcdAlert${i}`, isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + (i + 1) * H).toISOString(),
        createdBy: 'bench',
        comment: `silence ${i}`,
      }),
    });
  }

  // 500 events over 12 hours: 100 alert groups (fired, triaged, changed, resolved except every
  // fifth, which stays open), 60 why-slow runs and 40 button actions.
  const until = Date.now();
  const since = until - 12 * H;
  const events: TimelineEvent[] = [];
  for (let g = 0; g < 100; g++) {
    const start = since + g * 7 * 60_000;
    const common = { cluster: 'lab', gid: `g${g}`, incarnation: 1, alertnames: [`etcdAlert${g % 7}`], members: [`m${g % 3}`], severity: 'warning', channel: CH, startsAt: new Date(start).toISOString() };
    const at = (ms: number): string => new Date(ms).toISOString();
    const { ts } = await slackClient.postMessage({ channel: CH, text: `group ${g}` });
    await incidents.saveThread(`g${g}`, 1, { parentTs: ts, posted: 0 });
    events.push({ ...common, id: `a${g}.f`, at: at(start), kind: 'alert-fired' });
    events.push({ ...common, id: `a${g}.t`, at: at(start + 2000), kind: 'alert-triaged', headline: 'Slow disk on m1', healthy: false, causes: ['disk/slow_wal'] });
    events.push({ ...common, id: `a${g}.c`, at: at(start + 60_000), kind: 'alert-changed', added: ['x'], resolved: [] });
    if (g % 5 === 0) events.push({ ...common, id: `a${g}.c2`, at: at(start + 120_000), kind: 'alert-changed', added: [], resolved: ['x'] });
    else events.push({ ...common, id: `a${g}.r`, at: at(start + 20 * 60_000), kind: 'alert-resolved', resolvedAt: at(start + 20 * 60_000) });
  }
  for (let w = 0; w < 60; w++) {
    events.push({
      id: `w${w}`,
      at: new Date(since + w * 11 * 60_000).toISOString(),
      cluster: 'lab',
      kind: 'why-slow',
      requestedBy: 'U0ALICE',
      windowSeconds: 900,
      healthy: w % 2 === 0,
      headline: 'Slow disk on m1',
      members: ['m1'],
      suggestions: [{ id: `disk/s${w % 6}`, text: `suggestion ${w % 6}` }],
    });
  }
  for (let a = 0; a < 40; a++) {
    events.push({ id: `act${a}`, at: new Date(since + a * 13 * 60_000).toISOString(), cluster: 'lab', kind: 'action', user: 'U0BOB', action: 'suggestion-done', ref: `disk/s${a % 3}` });
  }
  await timeline.append(events);
  const stored = await timeline.count('lab');

  const playbooks = loadPlaybooks();
  const prometheus = new PrometheusRegistry(config);
  const deps = { config, playbooks, prometheus, timeline, threads: incidents, permalink: (c: string, t: string) => slackClient.getPermalink(c, t) };
  const times: number[] = [];
  let size = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const s = await gatherHandoff(deps, { clusters: ['lab'], sinceMs: since, untilMs: until, origin: { kind: 'cli' } });
    const parent = handoffParentMessage(s);
    const thread = s.clusters.flatMap(handoffClusterMessages);
    const text = renderHandoff(s, 'text');
    times.push(performance.now() - t0);
    const c = s.clusters[0]!;
    size = `${c.incidents.length} incidents listed (+${c.incidents_not_listed}), ${c.why_slow.length} why-slow, ${c.silences.length} silences, ${c.open_items.length} open items; parent ${parent.blocks.length} blocks, thread ${thread.length} message(s), text ${text.length} chars`;
  }
  await prometheus.close();
  const cold = times[0]!;
  const warm = times.slice(1).sort((a, b) => a - b);
  const q = (p: number): number => warm[Math.min(warm.length - 1, Math.floor(p * warm.length))] ?? Number.NaN;
  console.log(`handoff over 12h with ${stored} events: ${size}`);
  console.log(`first build (permalinks fetched): ${cold.toFixed(0)} ms`);
  console.log(`later builds (${warm.length}): p50 ${q(0.5).toFixed(0)} ms, max ${(warm.at(-1) ?? Number.NaN).toFixed(0)} ms (budget 2000 ms)`);
  console.log(`chat.getPermalink calls: ${slack.okCallsOf('chat.getPermalink').length}`);
  const worst = Math.max(cold, ...warm);
  reportBench({
    bench: 'handoff',
    what: 'handoff built (12 h shift, 500 events, trends, silences, permalinks)',
    budget: '< 2 s',
    measured: `first ${cold.toFixed(0)} ms; later p50 ${q(0.5).toFixed(0)} ms, max ${(warm.at(-1) ?? Number.NaN).toFixed(0)} ms`,
    pass: worst < 2000,
  });
} finally {
  redis.disconnect();
  await am.stop();
  await Promise.all([redisProc.stop(), prom.stop(), slack.stop()]);
}
