import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeliveryErrorCode,
  PermanentSlackError,
  RetriesExhaustedError,
} from '../../../src/delivery/errors.js';
import type { KnownBlock } from '../../../src/delivery/message-limits.js';
import { SlackDelivery, type SlackDeliveryOptions } from '../../../src/delivery/slack-client.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { BOT_TOKEN, silentLogger } from './fixtures.js';

/**
 * The pacer spaces sends 1 s apart; the stand-in stamps arrivals. On a loaded machine one request can
 * arrive tens of ms late and the next on time, so the gap seen is shorter than the pacing. 800 ms still
 * fails as soon as pacing is lost (unpaced posts arrive within a few ms of each other).
 */
const MIN_GAP_MS = 800;

/** SlackDelivery against the Web API stand-in: retries, typed errors, pacing, limits, uploads. */
describe('SlackDelivery', () => {
  let slack: SlackStandin;
  let apiErrors: Array<{ method: string; error: string; final: boolean }>;

  const delivery = (extra: Partial<SlackDeliveryOptions> = {}): SlackDelivery =>
    new SlackDelivery({
      botToken: BOT_TOKEN,
      slackApiUrl: slack.apiUrl,
      logger: silentLogger,
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      onApiError: (e) => apiErrors.push(e),
      ...extra,
    });

  beforeAll(async () => {
    slack = await SlackStandin.start({ token: BOT_TOKEN });
  });
  afterAll(async () => {
    await slack?.stop();
  });
  beforeEach(() => {
    slack.reset();
    apiErrors = [];
  });

  it('posts a parent, a threaded reply, and edits the parent in place', async () => {
    const d = delivery();
    const parent = await d.postMessage({ channel: 'C1', text: 'etcd lab: collecting…' });
    const reply = await d.postMessage({
      channel: 'C1',
      thread_ts: parent.ts,
      text: 'findings',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*disk*: fsync p99 42 ms on etcd-2' } }],
    });
    await d.update({ channel: 'C1', ts: parent.ts, text: 'etcd lab: slow disk on etcd-2' });

    expect(parent.trimmed).toBe(false);
    expect(slack.history('C1').map((m) => m.text)).toEqual(['etcd lab: slow disk on etcd-2']);
    expect(slack.message('C1', parent.ts)?.history).toEqual(['etcd lab: collecting…', 'etcd lab: slow disk on etcd-2']);
    const replies = slack.threadReplies('C1', parent.ts);
    expect(replies.map((m) => m.ts)).toEqual([reply.ts]);
    expect(replies[0]?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*disk*: fsync p99 42 ms on etcd-2' } }]);
    expect(slack.updatesOf('C1', parent.ts)).toHaveLength(1);
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
  });

  it('waits Retry-After on a 429, then succeeds; another channel is not held back', async () => {
    const d = delivery();
    slack.failNext('chat.postMessage', 1, { kind: 'rate-limited', retryAfter: 1 }, (a) => a['channel'] === 'CA');
    const [a] = await Promise.all([
      d.postMessage({ channel: 'CA', text: 'a' }),
      d.postMessage({ channel: 'CB', text: 'b' }),
    ]);
    const calls = slack.callsOf('chat.postMessage');
    const callsA = calls.filter((c) => c.args['channel'] === 'CA');
    const callB = calls.find((c) => c.args['channel'] === 'CB')!;
    expect(callsA.map((c) => c.status)).toEqual([429, 200]);
    // Retry-After is whole seconds; arrivals are stamped, with a tolerance (MIN_GAP_MS).
    expect(callsA[1]!.at - callsA[0]!.at).toBeGreaterThanOrEqual(MIN_GAP_MS);
    // The other channel is not held back: it was posted before CA's retry, not after it.
    expect(callB.status).toBe(200);
    expect(callB.at).toBeLessThan(callsA[1]!.at);
    expect(slack.messages('CA').map((m) => m.ts)).toEqual([a.ts]);
    expect(apiErrors).toEqual([{ method: 'chat.postMessage', error: 'rate_limited', final: false }]);
  });

  it('throws a typed permanent error without retrying channel_not_found', async () => {
    const d = delivery();
    slack.setChannels(['C1']);
    try {
      const err = await d.postMessage({ channel: 'C404', text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentSlackError);
      expect(err).toMatchObject({ code: DeliveryErrorCode.PermanentSlackError, slackError: 'channel_not_found', channel: 'C404' });
      expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    } finally {
      slack.setChannels(undefined);
    }
  });

  // invalid_blocks, msg_too_long…: permanent too, and answered with a plain version (malformed-fallback.test.ts).
  it.each(['not_in_channel', 'is_archived'])('treats %s as permanent', async (error) => {
    slack.failNext('chat.postMessage', 1, { kind: 'error', error });
    await expect(delivery().postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ slackError: error });
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('treats a wrong token as permanent (invalid_auth)', async () => {
    const d = delivery({ botToken: 'xoxb-wrong' });
    await expect(d.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ slackError: 'invalid_auth' });
  });

  it('backs off and retries 5xx, then gives up with RetriesExhaustedError after maxAttempts', async () => {
    const d = delivery({ retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } });
    slack.failNext('chat.update', 2, { kind: 'http', status: 503 });
    const parent = await d.postMessage({ channel: 'C1', text: 'p' });
    await d.update({ channel: 'C1', ts: parent.ts, text: 'p2' });
    expect(slack.callsOf('chat.update').map((c) => c.status)).toEqual([503, 503, 200]);

    slack.failNext('chat.getPermalink', 5, { kind: 'http', status: 500 });
    const err = await d.getPermalink('C1', parent.ts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err).toMatchObject({ attempts: 3, lastFailure: 'http_500', code: DeliveryErrorCode.RetriesExhaustedError });
  });

  it('retries network errors', async () => {
    const d = new SlackDelivery({
      botToken: BOT_TOKEN,
      slackApiUrl: 'http://127.0.0.1:9/api/',
      logger: silentLogger,
      retry: { maxAttempts: 2, baseDelayMs: 10 },
    });
    const err = await d.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect((err as RetriesExhaustedError).lastFailure).toMatch(/^network: /);
  });

  it('paces one channel to one message per second, in order', async () => {
    const d = delivery();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => d.postMessage({ channel: 'CP', text: `m${i}` })));
    const calls = slack.callsOf('chat.postMessage');
    expect(calls.map((c) => c.args['text'])).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    // Spacing with a tolerance (MIN_GAP_MS): arrivals, not sends, are stamped.
    for (let i = 1; i < calls.length; i += 1) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(MIN_GAP_MS);
    expect(results.map((r) => r.ts)).toEqual(slack.messages('CP').map((m) => m.ts));
  });

  it('lets two channels interleave freely', async () => {
    const d = delivery();
    await Promise.all(
      ['CX', 'CY'].flatMap((channel) => [1, 2, 3].map((i) => d.postMessage({ channel, text: `${channel}${i}` }))),
    );
    const calls = slack.callsOf('chat.postMessage');
    // Order, not elapsed time: each channel's n-th message goes out before the other's (n+1)-th, so
    // neither channel waits behind the other's pacing.
    const nth = (ch: string, n: number) => calls.filter((c) => c.args['channel'] === ch)[n]!.at;
    for (const [a, b] of [['CX', 'CY'], ['CY', 'CX']] as const) {
      for (let n = 0; n < 2; n += 1) expect(nth(a, n)).toBeLessThan(nth(b, n + 1));
    }
    for (const ch of ['CX', 'CY']) {
      const times = calls.filter((c) => c.args['channel'] === ch).map((c) => c.at);
      for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(MIN_GAP_MS);
    }
  });

  it('sends an over-limit message trimmed and attaches the full output in its thread', async () => {
    const d = delivery();
    const blocks: KnownBlock[] = Array.from({ length: 70 }, (_, i) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: `finding ${i}: ${'x'.repeat(i === 0 ? 3500 : 300)}` },
    }));
    const res = await d.postMessage({ channel: 'C1', text: 'big diagnosis', blocks });
    expect(res.trimmed).toBe(true);
    expect(res.overflow).toMatchObject({ fileId: expect.stringMatching(/^F/) as unknown as string });

    const posted = slack.message('C1', res.ts)!;
    const sent = posted.blocks as KnownBlock[];
    expect(sent.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(sent).length).toBeLessThanOrEqual(12_000);
    expect(JSON.stringify(sent.at(-1))).toContain('Trimmed to fit Slack');

    const [file] = slack.uploadedFiles('C1');
    expect(file).toMatchObject({ channel: 'C1', thread_ts: res.ts, filename: 'full-output.txt' });
    const content = file!.content!.toString('utf8');
    expect(content).toContain('finding 69:');
    expect(content).toContain('x'.repeat(3500));
  });

  it('uploads a file into a thread through the three-step flow', async () => {
    const d = delivery();
    const parent = await d.postMessage({ channel: 'C1', text: 'p' });
    const { fileId } = await d.uploadFile({
      channel: 'C1',
      thread_ts: parent.ts,
      filename: 'etcd-2.log',
      content: 'apply request took too long\n',
      initialComment: 'recent etcd-2 log lines',
    });
    expect(slack.callsOf('files.getUploadURLExternal')).toHaveLength(1);
    expect(slack.callsOf('files.upload_url')).toHaveLength(1);
    expect(slack.callsOf('files.completeUploadExternal')[0]?.args).toMatchObject({
      channel_id: 'C1',
      thread_ts: parent.ts,
      initial_comment: 'recent etcd-2 log lines',
    });
    const file = slack.uploadedFiles('C1').find((f) => f.id === fileId);
    expect(file?.content?.toString()).toBe('apply request took too long\n');
  });

  it('posts ephemeral messages and fetches permalinks', async () => {
    const d = delivery();
    await d.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    expect(slack.ephemerals('C1').map((c) => c.args['text'])).toEqual(['only you']);
    const parent = await d.postMessage({ channel: 'C1', text: 'p' });
    expect(await d.getPermalink('C1', parent.ts)).toMatch(/\/archives\/C1\/p\d+$/);
  });
});
