import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServices } from '../../../src/cli/run/services.js';
import { CHART_SIZE } from '../../../src/report/charts/spec.js';
import { SlackStandin, type RecordedCall } from '../../support/slack-standin.js';
import { sendSlashCommand } from '../../support/slack-sign.js';
import { startRedis } from '../../support/redis.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { readPng } from '../../support/png.js';
import { startTestBot } from '../../support/test-bot.js';

/**
 * Charts in a why-slow thread, end to end: a signed slash command into the real receiver, a real Redis
 * and Prometheus (a recorded slow-disk incident), and the Slack stand-in receiving the upload. The text
 * answer always comes first; a chart that cannot be drawn or uploaded leaves a line saying why.
 */
const SECRET = 'test-signing-secret';
const CHANNEL = 'C0CHARTS';

let redis: RunningProcess & { url: string };
let prom: LoadedScenario;
let slack: SlackStandin;
let bot: RunningServices;

beforeAll(async () => {
  [redis, prom, slack] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  bot = await startTestBot({
    config: `clusters:\n  lab:\n    prometheus: { url: "${prom.url}", timeoutMs: 2000 }\n    selector: { job: etcd }\n    slack: { channels: ["${CHANNEL}"] }\njobs: { dedupeSeconds: 1, attempts: 2, concurrency: 1 }\n`,
    name: 'charts.yaml',
    slack,
    redisUrl: redis.url,
    signingSecret: SECRET,
    prefix: `c${Date.now()}`,
  });
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

afterEach(() => {
  delete process.env['ETCD_TRIAGE_CHART_FONT'];
});

/** Runs one why-slow and returns the thread's parent ts once its job has finished (charts included). */
async function whySlow(window: string): Promise<{ parentTs: string; from: number }> {
  const from = slack.calls.length;
  const res = await sendSlashCommand(`${bot.url}/slack/commands`, SECRET, { text: `why-slow lab ${window}`, channel_id: CHANNEL });
  expect(res.status).toBe(200);
  const reply = await slack.waitForCall((c) => slack.calls.indexOf(c) >= from && c.method === 'chat.postMessage' && typeof c.args['thread_ts'] === 'string', 30_000);
  const parentTs = String(reply.args['thread_ts']);
  await waitFor('the job to finish', async () => {
    const c = await bot.queue!.queue.getJobCounts('waiting', 'active', 'delayed');
    return c['waiting'] === 0 && c['active'] === 0 && c['delayed'] === 0;
  }, 30_000);
  return { parentTs, from };
}

const since = (from: number): RecordedCall[] => slack.calls.slice(from);
const threadTexts = (parentTs: string): string[] => slack.threadReplies(CHANNEL, parentTs).map((m) => m.text);

describe('charts in a why-slow thread', () => {
  it('the verdict text comes first, then the chart arrives in three upload calls with the thread’s thread_ts', async () => {
    const { parentTs, from } = await whySlow('5m');
    const calls = since(from);
    const methods = calls.map((c) => c.method);
    const details = methods.findIndex((m, i) => m === 'chat.postMessage' && calls[i]!.args['thread_ts'] === parentTs);
    const get = methods.indexOf('files.getUploadURLExternal');
    const put = methods.indexOf('files.upload_url');
    const complete = methods.indexOf('files.completeUploadExternal');
    expect(details).toBeGreaterThanOrEqual(0);
    expect([details < get, get < put, put < complete]).toEqual([true, true, true]);
    expect(calls[get]!.args['filename']).toMatch(/^lab-disk-wal_fsync_p99-[0-9a-f]{10}\.png$/);
    expect(calls[complete]!.args).toMatchObject({ channel_id: CHANNEL, thread_ts: parentTs });

    const file = slack.uploadedFiles(CHANNEL).find((f) => f.thread_ts === parentTs)!;
    expect(file).toMatchObject({ filename: expect.stringMatching(/^lab-disk-wal_fsync_p99-[0-9a-f]{10}\.png$/), title: 'WAL fsync p99' });
    const png = readPng(file.content!);
    expect({ width: png.width, height: png.height }).toEqual({ width: CHART_SIZE.width * 2, height: CHART_SIZE.height * 2 });
    expect(png.variance).toBeGreaterThan(100);
    // The verdict is in the thread as text, and no "missing" line: the chart made it.
    expect(threadTexts(parentTs).join('\n')).toMatch(/Slow disk/);
    expect(threadTexts(parentTs).join('\n')).not.toMatch(/is missing/);
  });

  it('an upload Slack refuses still leaves the text answer, and the thread says which chart is missing and why', async () => {
    slack.failNext('files.completeUploadExternal', 1, { kind: 'error', error: 'not_allowed_token_type' }, (a) => JSON.stringify(a['files']).includes('WAL fsync p99'));
    const { parentTs } = await whySlow('6m');
    const texts = threadTexts(parentTs);
    expect(texts[0]).toMatch(/Slow disk/);
    expect(texts.slice(1).find((t) => t.includes('WAL fsync p99'))).toMatch(/Chart “WAL fsync p99” is missing: the upload to Slack failed \(.*not_allowed_token_type.*\)\./);
    expect(slack.uploadedFiles(CHANNEL).filter((f) => f.thread_ts === parentTs && f.title === 'WAL fsync p99')).toHaveLength(0);
  });

  it('a chart that cannot be drawn still leaves the text answer, and the thread says why', async () => {
    process.env['ETCD_TRIAGE_CHART_FONT'] = '/nonexistent/DejaVuSans.ttf';
    const before = slack.callsOf('files.getUploadURLExternal').length;
    const { parentTs } = await whySlow('7m');
    const texts = threadTexts(parentTs);
    expect(texts[0]).toMatch(/Slow disk/);
    expect(texts[1]).toMatch(/Chart “WAL fsync p99” is missing: it could not be drawn \(chart font \/nonexistent\/DejaVuSans.ttf \(ETCD_TRIAGE_CHART_FONT\) does not exist\)\./);
    expect(slack.callsOf('files.getUploadURLExternal').length).toBe(before);
  });

  it('a job retried after its first chart was posted posts nothing twice: one reply, one file per chart', async () => {
    // The effect chart's upload is refused, and so is the line saying so: the job fails after its first
    // chart and is retried; the retry must add only what is still missing.
    slack.failNext('files.completeUploadExternal', 1, { kind: 'error', error: 'not_allowed_token_type' }, (a) => !JSON.stringify(a['files']).includes('WAL fsync p99'));
    slack.failNext('chat.postMessage', 1, { kind: 'error', error: 'not_in_channel' }, (a) => String(a['text']).includes('is missing'));
    const { parentTs, from } = await whySlow('8m');
    await waitFor('the retry to upload the second chart', () => slack.uploadedFiles(CHANNEL).filter((f) => f.thread_ts === parentTs).length >= 2, 30_000);
    // The deciding chart, and the effect it explains (which one depends on the window: pending or failed proposals).
    const files = slack.uploadedFiles(CHANNEL).filter((f) => f.thread_ts === parentTs).map((f) => f.title ?? '');
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('WAL fsync p99');
    expect(files[1]).toMatch(/proposals/);
    // The refused line was never posted, the retry's upload made it: the thread is the text answer alone.
    expect(threadTexts(parentTs)).toHaveLength(1);
    const posts = since(from).filter((c) => c.method === 'chat.postMessage');
    expect(posts.some((c) => c.response['ok'] === false && String(c.args['text']).includes('is missing'))).toBe(true);
    expect(posts.filter((c) => c.response['ok'] === true && c.args['thread_ts'] === undefined)).toHaveLength(1);
    expect(posts.filter((c) => c.response['ok'] === true && c.args['thread_ts'] === parentTs)).toHaveLength(1);
  });
});
