import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { startServices, type RunningServices } from '../../../src/cli/run/services.js';
import { readEnv } from '../../../src/config/env.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { startRedis } from '../../support/redis.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';

/**
 * Scheduled handoffs with two worker processes against one real Redis: every tick of the schedule is
 * posted exactly once. The cluster's Prometheus is unreachable on purpose: the handoff still goes
 * out, saying that health is unknown.
 */
const SCHED = 'C0SCHED';
let redis: RunningProcess & { url: string };
let slack: SlackStandin;
let workers: RunningServices[] = [];
const prefix = `hs${Date.now()}`;

const config = (): ReturnType<typeof parseConfigText> =>
  parseConfigText(
    `
handoff:
  schedules:
    - id: every-2s
      channel: ${SCHED}
      cron: "*/2 * * * * *"
      tz: Europe/Berlin
      clusters: [lab]
      mention: S0ONCALL
clusters:
  lab:
    prometheus: { url: "http://127.0.0.1:9", timeoutMs: 300 }
    selector: { job: etcd }
    slack: { channels: ["${SCHED}"] }
`,
    'schedule-test.yaml',
    {},
  );

beforeAll(async () => {
  [redis, slack] = await Promise.all([startRedis(), SlackStandin.start()]);
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.stop();
  await Promise.all([redis?.stop(), slack?.stop()]);
});

describe('scheduled handoffs', () => {
  it('post exactly once per tick with two workers running', async () => {
    const start = (): Promise<RunningServices> =>
      startServices('worker', {
        config: config(),
        playbooks: loadPlaybooks(),
        env: readEnv({ SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, LOG_LEVEL: 'silent' }),
        prefix,
        logger: createLogger('silent'),
      });
    workers = [await start(), await start()];
    const parents = (): ReturnType<typeof slack.history> => slack.history(SCHED);
    await waitFor('three scheduled posts', () => parents().length >= 3, 20_000);
    // Stop the schedule's consumers, then let what is in flight land before counting: a handoff built
    // just before the close still goes through the delivery queue, paced at one message per second
    // per channel, so on a busy machine its post can come seconds later. Wait for the posts to catch
    // up with the ticks recorded (a duplicate post would overshoot and fail below).
    await workers[0]!.handoffWorker!.close();
    await workers[1]!.handoffWorker!.close();
    const scheduledTicks = async (): Promise<number[]> =>
      (await workers[0]!.timeline!.between('lab', 0, Date.now() + 60_000)).events.flatMap((e) =>
        e.kind === 'handoff' && e.scheduleId !== undefined ? [e.untilMs] : [],
      );
    await waitFor('every recorded tick posted', async () => parents().length >= (await scheduledTicks()).length, 20_000);
    await new Promise((r) => setTimeout(r, 500));

    const posts = parents();
    const ticks = await scheduledTicks();
    expect(posts.length).toBeGreaterThanOrEqual(3);
    // One post per tick, and every tick a distinct, even second of the cron.
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBe(posts.length);
    for (const t of ticks) expect(t % 2000).toBe(0);
    for (const p of posts) {
      expect(p.text).toContain('Shift handoff');
      expect(JSON.stringify(p.blocks)).toContain('<!subteam^S0ONCALL>');
    }
    // Each post has its thread; Prometheus being down is said, not hidden.
    const thread = slack.threadReplies(SCHED, posts[0]!.ts).map((m) => JSON.stringify(m.blocks)).join('');
    expect(thread).toContain('health now unknown');
    // Consecutive scheduled handoffs chain: each starts where the previous one ended.
    const sorted = [...ticks].sort((a, b) => a - b);
    const events = (await workers[0]!.timeline!.between('lab', 0, Date.now() + 60_000)).events.flatMap((e) => (e.kind === 'handoff' ? [e] : []));
    for (let i = 1; i < sorted.length; i++) expect(events.find((e) => e.untilMs === sorted[i])!.sinceMs).toBe(sorted[i - 1]);
  });
});
