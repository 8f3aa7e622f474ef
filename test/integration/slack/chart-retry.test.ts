import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelPacer } from '../../../src/delivery/channel-pacer.js';
import { CLOCK_MARGIN_MS } from '../../../src/delivery/parent-metadata.js';
import { SlackDelivery } from '../../../src/delivery/slack-client.js';
import { keyedFileName, missingChartLineKey, postCharts, type ChartPoster, type ChartProgress } from '../../../src/jobs/delivery/chart-posts.js';
import type { DrawnChart } from '../../../src/report/charts/draw.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { metricValue } from '../../support/metrics-text.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { BOT_TOKEN, silentLogger } from './fixtures.js';

/**
 * Charts are files, and files carry no message metadata: a chart is recognised in its thread by its file
 * name, which carries a hash of the post's key. A worker killed between Slack sharing a chart and the
 * worker recording it must not post it twice; one killed before Slack had it must not lose it.
 */
const CHANNEL = 'C0CHARTS';
const png = (n: number): Buffer => Buffer.from(`\x89PNG chart ${n}`);
const FILES = ['lab-disk-wal_fsync_p99.png', 'lab-disk-backend_commit_p99.png'] as const;
const CHARTS: DrawnChart[] = [
  { title: 'WAL fsync p99', filename: FILES[0], png: png(1) },
  { title: 'Backend commit p99', filename: FILES[1], png: png(2) },
];

let slack: SlackStandin;
let delivery: SlackDelivery;
let client: webApi.WebClient;

beforeAll(async () => {
  slack = await SlackStandin.start({ token: BOT_TOKEN });
  client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  delivery = new SlackDelivery({ botToken: BOT_TOKEN, slackApiUrl: slack.apiUrl, logger: silentLogger, pacer: new ChannelPacer({ intervalMs: 0 }), retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 } });
});
afterAll(async () => {
  await slack?.stop();
});
beforeEach(() => slack.reset());

const poster = (): ChartPoster => ({
  uploadFile: (a) => delivery.uploadFile(a),
  postMessage: (m) => delivery.postMessage(m),
  findFile: (c, t, name, since) => delivery.findFile(c, t, name, since),
  findReply: (c, t, key, since) => delivery.findReply(c, t, key, since),
});

async function thread(): Promise<string> {
  return (await delivery.postMessage({ channel: CHANNEL, text: 'Slow disk on etcd-2', blocks: [] })).ts;
}

/** The file names shared into the thread, in order. */
const shared = (threadTs: string): string[] =>
  slack
    .uploadedFiles(CHANNEL)
    .filter((f) => f.thread_ts === threadTs && f.shared_ts !== undefined)
    .sort((a, b) => a.shared_ts!.localeCompare(b.shared_ts!))
    .map((f) => f.filename);

/** postCharts with its progress kept here, as a job keeps it; `crashAfter(p)` true throws there, as a kill would. */
function run(threadTs: string, metrics: Metrics, state: { progress: ChartProgress }, crashAfter: (p: ChartProgress) => boolean = () => false, charts: DrawnChart[] = CHARTS) {
  return postCharts(poster(), charts, {
    where: { channel: CHANNEL, thread_ts: threadTs },
    kind: 'why-slow',
    key: 'why-slow.42',
    progress: state.progress,
    save: async (p) => {
      if (crashAfter(p)) throw new Error('killed');
      state.progress = p;
    },
    metrics,
    logger: silentLogger,
    missingMessage: 'chart missing from the thread',
  });
}

/** The "chart missing" lines in the thread, as posted. */
const missingLines = (threadTs: string): string[] =>
  slack
    .threadReplies(CHANNEL, threadTs)
    .map((m) => m.text ?? '')
    .filter((t) => t.includes('is missing'));

/** A first chart Prometheus had no samples for, then one drawn. */
const UNDRAWN: DrawnChart[] = [{ title: 'Peer round trip p99', error: 'Prometheus returned no samples for it' }, CHARTS[1]!];

const lookups = (metrics: Metrics, outcome: string): Promise<number | undefined> =>
  metrics.registry.metrics().then((text) => metricValue(text, `etcd_triage_parent_lookups_total{kind="why-slow",outcome="${outcome}"}`));

describe('charts across a crash', () => {
  it('file names carry the key: the same for a retry, different for another post of the same chart', () => {
    const name = keyedFileName('lab-disk-wal_fsync_p99.png', 'why-slow.42');
    expect(name).toMatch(/^lab-disk-wal_fsync_p99-[0-9a-f]{10}\.png$/);
    expect(keyedFileName('lab-disk-wal_fsync_p99.png', 'why-slow.42')).toBe(name);
    expect(keyedFileName('lab-disk-wal_fsync_p99.png', 'why-slow.43')).not.toBe(name);
  });

  it('stand-in: a file completed into a thread is one of its messages in conversations.replies, in ts order', async () => {
    const ts = await thread();
    await client.chat.postMessage({ channel: CHANNEL, thread_ts: ts, text: 'details' });
    await delivery.uploadFile({ channel: CHANNEL, thread_ts: ts, filename: 'a.png', content: png(1), title: 'A' });
    await client.chat.postMessage({ channel: CHANNEL, thread_ts: ts, text: 'later' });
    const res = await client.conversations.replies({ channel: CHANNEL, ts });
    expect(res.messages?.map((m) => m.text ?? '')).toEqual(['Slow disk on etcd-2', 'details', '', 'later']);
    expect(res.messages?.[2]).toMatchObject({ thread_ts: ts, files: [{ name: 'a.png', title: 'A' }] });
    // Not among the replies the bot posted as messages.
    expect(slack.threadReplies(CHANNEL, ts).map((m) => m.text)).toEqual(['details', 'later']);
  });

  it('killed after Slack shared a chart and before it was recorded: the retry finds it by name and posts only the rest', async () => {
    const ts = await thread();
    const metrics = new Metrics(false);
    const state = { progress: { posted: 0 } as ChartProgress };
    // The first chart reaches Slack; recording it done is where the worker dies.
    await expect(run(ts, metrics, state, (p) => p.posted === 1 && p.postingAt === undefined)).rejects.toThrow('killed');
    expect(state.progress).toMatchObject({ posted: 0, postingAt: expect.any(Number) });
    const attemptAt = state.progress.postingAt!;
    expect(shared(ts)).toHaveLength(1);

    await run(ts, metrics, state);
    const names = shared(ts);
    expect(names).toEqual(FILES.map((f) => keyedFileName(f, 'why-slow.42')));
    expect(state.progress).toEqual({ posted: 2 });
    expect(await lookups(metrics, 'adopted')).toBe(1);
    // Looked up in the thread, oldest first from the attempt less the clock margin.
    const call = slack.okCallsOf('conversations.replies').at(-1)!;
    expect(call.args).toMatchObject({ channel: CHANNEL, ts });
    expect(Number(call.args['oldest'])).toBeCloseTo((attemptAt - CLOCK_MARGIN_MS) / 1000, 3);
  });

  it('killed before Slack had the chart: the retry looks, finds nothing and uploads it', async () => {
    const ts = await thread();
    const metrics = new Metrics(false);
    const state = { progress: { posted: 0, postingAt: Date.now() } as ChartProgress };
    await run(ts, metrics, state);
    expect(shared(ts)).toHaveLength(2);
    // Looked for as a file, then as the line a failed upload would have left.
    expect(await lookups(metrics, 'not_found')).toBe(2);
  });

  it('killed after Slack had a "chart missing" line and before it was recorded: the retry finds the line and does not post it again', async () => {
    const ts = await thread();
    const metrics = new Metrics(false);
    const state = { progress: { posted: 0 } as ChartProgress };
    await expect(run(ts, metrics, state, (p) => p.posted === 1 && p.postingAt === undefined, UNDRAWN)).rejects.toThrow('killed');
    expect(state.progress).toMatchObject({ posted: 0, postingAt: expect.any(Number) });
    expect(missingLines(ts)).toEqual(['📉 Chart “Peer round trip p99” is missing: Prometheus returned no samples for it.']);
    // The line carries its key as metadata, so a retry can recognise it.
    const line = slack.threadReplies(CHANNEL, ts)[0]!;
    expect(line.metadata?.event_payload).toEqual({ key: missingChartLineKey('why-slow.42', 0) });
    expect(missingChartLineKey('why-slow.42', 0)).toMatch(/^chart-missing\.[0-9a-f]{10}\.0$/);

    await run(ts, metrics, state, () => false, UNDRAWN);
    expect(missingLines(ts)).toHaveLength(1);
    expect(shared(ts)).toEqual([keyedFileName(FILES[1], 'why-slow.42')]);
    expect(state.progress).toEqual({ posted: 2 });
    expect(await lookups(metrics, 'adopted')).toBe(1);
  });

  it('an upload Slack refused became a "chart missing" line; killed before it was recorded, the retry neither uploads again nor repeats the line', async () => {
    const ts = await thread();
    const metrics = new Metrics(false);
    const state = { progress: { posted: 0 } as ChartProgress };
    // The first upload fails for good (an error no retry mends); the line goes out, then the worker dies.
    slack.failNext('files.getUploadURLExternal', 1, { kind: 'error', error: 'invalid_auth' });
    await expect(run(ts, metrics, state, (p) => p.posted === 1 && p.postingAt === undefined)).rejects.toThrow('killed');
    expect(missingLines(ts)).toHaveLength(1);
    expect(missingLines(ts)[0]).toContain('the upload to Slack failed');
    expect(shared(ts)).toEqual([]);

    await run(ts, metrics, state);
    expect(missingLines(ts)).toHaveLength(1);
    // Only the second chart: the first was looked for as a file (not there) and as its line (there).
    expect(shared(ts)).toEqual([keyedFileName(FILES[1], 'why-slow.42')]);
    expect(await lookups(metrics, 'not_found')).toBe(1);
    expect(await lookups(metrics, 'adopted')).toBe(1);
  });

  it('killed before Slack had the "chart missing" line: the retry looks, finds nothing and posts it once', async () => {
    const ts = await thread();
    const metrics = new Metrics(false);
    const state = { progress: { posted: 0, postingAt: Date.now() } as ChartProgress };
    await run(ts, metrics, state, () => false, UNDRAWN);
    expect(missingLines(ts)).toHaveLength(1);
    expect(shared(ts)).toHaveLength(1);
    expect(await lookups(metrics, 'not_found')).toBe(1);
  });

  it('a thread it cannot read (no history scope): the chart is uploaded again rather than lost', async () => {
    const ts = await thread();
    const metrics = new Metrics(false);
    const state = { progress: { posted: 0 } as ChartProgress };
    await expect(run(ts, metrics, state, (p) => p.posted === 1 && p.postingAt === undefined)).rejects.toThrow('killed');
    slack.failNext('conversations.replies', 1, { kind: 'error', error: 'missing_scope' });
    await run(ts, metrics, state);
    const names = shared(ts);
    expect(names).toHaveLength(3);
    expect(names.filter((n) => n === names[0])).toHaveLength(2);
    expect(await lookups(metrics, 'failed')).toBe(1);
  });

  it('a first run records each upload before it starts and each chart after it, and never looks anything up', async () => {
    const ts = await thread();
    const metrics = new Metrics(false);
    const saved: ChartProgress[] = [];
    const state = { progress: { posted: 0 } as ChartProgress };
    await postCharts(poster(), CHARTS, {
      where: { channel: CHANNEL, thread_ts: ts },
      kind: 'why-slow',
      key: 'why-slow.7',
      progress: state.progress,
      save: async (p) => void saved.push(p),
      metrics,
      logger: silentLogger,
      missingMessage: 'chart missing from the thread',
    });
    expect(saved.map((p) => [p.posted, p.postingAt === undefined ? 'done' : 'uploading'])).toEqual([
      [0, 'uploading'],
      [1, 'done'],
      [1, 'uploading'],
      [2, 'done'],
    ]);
    expect(slack.okCallsOf('conversations.replies')).toHaveLength(0);
  });
});
