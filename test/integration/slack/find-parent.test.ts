import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentSlackError } from '../../../src/delivery/errors.js';
import { parentMetadata, PARENT_EVENT_TYPE } from '../../../src/delivery/parent-metadata.js';
import { ChannelPacer } from '../../../src/delivery/channel-pacer.js';
import { SlackDelivery } from '../../../src/delivery/slack-client.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { recoverParent } from '../../../src/jobs/delivery/parent-recovery.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { BOT_TOKEN, silentLogger } from './fixtures.js';

/**
 * Parent messages carry Slack message metadata, and a retry finds them again in conversations.history.
 * The stand-in's side of it (metadata kept across edits, history paging as documented) is checked
 * with the plain Web API client first, so the SlackDelivery tests below rest on a faithful stand-in.
 */
describe('parent metadata and conversations.history', () => {
  let slack: SlackStandin;
  let client: webApi.WebClient;
  let delivery: SlackDelivery;

  beforeAll(async () => {
    slack = await SlackStandin.start({ token: BOT_TOKEN });
    client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    delivery = new SlackDelivery({
      botToken: BOT_TOKEN,
      slackApiUrl: slack.apiUrl,
      logger: silentLogger,
      // Pacing is not what these tests are about.
      pacer: new ChannelPacer({ intervalMs: 0 }),
      retry: { baseDelayMs: 10, maxDelayMs: 20 },
    });
  });
  afterAll(async () => {
    await slack?.stop();
  });
  beforeEach(() => slack.reset());

  it('stand-in: metadata is returned only with include_all_metadata, kept by an edit that omits it, removed by {}', async () => {
    const metadata = { event_type: 'etcd_triage_parent', event_payload: { key: 'k1' } };
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'parent', metadata });
    const plain = await client.conversations.history({ channel: 'C1' });
    expect(plain.messages?.[0]).not.toHaveProperty('metadata');
    await client.chat.update({ channel: 'C1', ts: posted.ts!, text: 'parent, edited' });
    const withMeta = await client.conversations.history({ channel: 'C1', include_all_metadata: true });
    expect(withMeta.messages?.[0]).toMatchObject({ text: 'parent, edited', metadata });
    await client.chat.update({ channel: 'C1', ts: posted.ts!, text: 'parent, edited again', metadata: {} as never });
    const removed = await client.conversations.history({ channel: 'C1', include_all_metadata: true });
    expect(removed.messages?.[0]).not.toHaveProperty('metadata');
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', metadata: { event_type: '' } as never })).rejects.toMatchObject({
      data: { error: 'invalid_metadata_format' },
    });
  });

  it('stand-in: history pages newest first by limit and cursor, bounded by oldest (exclusive unless inclusive)', async () => {
    const ts: string[] = [];
    for (let i = 0; i < 5; i++) ts.push((await client.chat.postMessage({ channel: 'C2', text: `m${i}` })).ts!);
    await client.chat.postMessage({ channel: 'C2', thread_ts: ts[0]!, text: 'a reply is not in history' });
    const first = await client.conversations.history({ channel: 'C2', limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['m4', 'm3']);
    expect(first.has_more).toBe(true);
    const second = await client.conversations.history({ channel: 'C2', limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(second.messages?.map((m) => m.text)).toEqual(['m2', 'm1']);
    const last = await client.conversations.history({ channel: 'C2', limit: 2, cursor: second.response_metadata!.next_cursor! });
    expect(last.messages?.map((m) => m.text)).toEqual(['m0']);
    expect(last.has_more).toBe(false);
    expect(last.response_metadata?.next_cursor ?? '').toBe('');
    const since = await client.conversations.history({ channel: 'C2', oldest: ts[2]! });
    expect(since.messages?.map((m) => m.text)).toEqual(['m4', 'm3']);
    const sinceInclusive = await client.conversations.history({ channel: 'C2', oldest: ts[2]!, inclusive: true });
    expect(sinceInclusive.messages?.map((m) => m.text)).toEqual(['m4', 'm3', 'm2']);
    await expect(client.conversations.history({ channel: 'C2', cursor: 'bm9wZQ==' })).rejects.toMatchObject({ data: { error: 'invalid_cursor' } });
  });

  it('a parent posted with its key is found again, through several pages, and only that one', async () => {
    const since = Date.now();
    const parent = await delivery.postMessage({ channel: 'C3', text: 'the parent', metadata: parentMetadata('alert.abc.1') });
    await delivery.postMessage({ channel: 'C3', text: 'another parent', metadata: parentMetadata('alert.def.1') });
    for (let i = 0; i < 6; i++) await delivery.postMessage({ channel: 'C3', text: `later ${i}` });
    expect(slack.message('C3', parent.ts)?.metadata).toEqual({ event_type: PARENT_EVENT_TYPE, event_payload: { key: 'alert.abc.1' } });

    await expect(delivery.findParent('C3', 'alert.abc.1', since, { pageSize: 3, maxPages: 5 })).resolves.toBe(parent.ts);
    const pages = slack.okCallsOf('conversations.history');
    expect(pages).toHaveLength(3);
    expect(pages.every((c) => c.args['include_all_metadata'] === 'true' && c.args['limit'] === '3')).toBe(true);
    await expect(delivery.findParent('C3', 'alert.zzz.1', since, { pageSize: 3, maxPages: 5 })).resolves.toBeUndefined();
  });

  it('reads no further back than the first attempt (less a clock margin), and no more pages than allowed', async () => {
    const parent = await delivery.postMessage({ channel: 'C4', text: 'old parent', metadata: parentMetadata('why-slow.j1') });
    for (let i = 0; i < 4; i++) await delivery.postMessage({ channel: 'C4', text: `later ${i}` });
    // Slack's clock and ours may differ: the lookup starts two minutes before the first attempt.
    const oldest = Number(slack.okCallsOf('chat.postMessage')[0]!.response['ts']);
    await expect(delivery.findParent('C4', 'why-slow.j1', Date.now() + 60_000)).resolves.toBe(parent.ts);
    await expect(delivery.findParent('C4', 'why-slow.j1', (oldest + 130) * 1000)).resolves.toBeUndefined();
    slack.reset();
    await delivery.postMessage({ channel: 'C5', text: 'the parent', metadata: parentMetadata('handoff.h1') });
    for (let i = 0; i < 4; i++) await delivery.postMessage({ channel: 'C5', text: `later ${i}` });
    await expect(delivery.findParent('C5', 'handoff.h1', Date.now(), { pageSize: 2, maxPages: 2 })).resolves.toBeUndefined();
    expect(slack.okCallsOf('conversations.history')).toHaveLength(2);
  });

  it('a missing history scope is a permanent error for the caller to handle', async () => {
    slack.failNext('conversations.history', 1, { kind: 'error', error: 'missing_scope' });
    await expect(delivery.findParent('C6', 'alert.abc.1', Date.now())).rejects.toBeInstanceOf(PermanentSlackError);
  });

  /** Slack stores the message, then its answer is lost (here: an HTTP 500 instead of the answer). */
  const loseAnswerOnce = (channel: string): void => {
    let lost = false;
    const remove = slack.beforeAnswer('chat.postMessage', ({ args, response }) => {
      if (lost || args['channel'] !== channel || response['ok'] !== true) return;
      lost = true;
      remove();
      throw new Error('answer lost');
    });
  };

  it('a parent Slack stored while its answer was lost is found on the retry, not posted twice', async () => {
    loseAnswerOnce('C7');
    const res = await delivery.postMessage({ channel: 'C7', text: 'the parent', metadata: parentMetadata('alert.lost.1') });
    expect(slack.history('C7').map((m) => m.ts)).toEqual([res.ts]);
    expect(slack.okCallsOf('conversations.history')).toHaveLength(1);
  });

  it('without the history scope the retry posts again: a second parent rather than none', async () => {
    loseAnswerOnce('C8');
    slack.failNext('conversations.history', 5, { kind: 'error', error: 'missing_scope' });
    const res = await delivery.postMessage({ channel: 'C8', text: 'the parent', metadata: parentMetadata('alert.lost.2') });
    expect(slack.history('C8')).toHaveLength(2);
    expect(slack.history('C8')[0]!.ts).toBe(res.ts);
  });

  it('a reply (no metadata) is retried as before, with no history read', async () => {
    const parent = await delivery.postMessage({ channel: 'C9', text: 'parent' });
    slack.failNext('chat.postMessage', 1, { kind: 'http', status: 503 });
    await delivery.postMessage({ channel: 'C9', text: 'reply', thread_ts: parent.ts });
    expect(slack.threadReplies('C9', parent.ts)).toHaveLength(1);
    expect(slack.callsOf('conversations.history')).toHaveLength(0);
  });

  it('recovery by a retried job: adopted, not found, or failed (counted, and the caller posts)', async () => {
    const metrics = new Metrics(false);
    const deps = { metrics, logger: silentLogger };
    const find = delivery.findParent.bind(delivery);
    const since = Date.now();
    const parent = await delivery.postMessage({ channel: 'C10', text: 'parent', metadata: parentMetadata('why-slow.j9') });
    await expect(recoverParent(find, { kind: 'why-slow', channel: 'C10', key: 'why-slow.j9', sinceMs: since }, deps)).resolves.toBe(parent.ts);
    await expect(recoverParent(find, { kind: 'why-slow', channel: 'C10', key: 'why-slow.other', sinceMs: since }, deps)).resolves.toBeUndefined();
    slack.failNext('conversations.history', 1, { kind: 'error', error: 'not_in_channel' });
    await expect(recoverParent(find, { kind: 'handoff', channel: 'C10', key: 'handoff.h9', sinceMs: since }, deps)).resolves.toBeUndefined();
    const counted = (await metrics.parentLookups.get()).values.map((v) => `${v.labels.kind}/${v.labels.outcome}=${v.value}`).sort();
    expect(counted).toEqual(['handoff/failed=1', 'why-slow/adopted=1', 'why-slow/not_found=1']);
  });

  it('stand-in: replies page oldest first with the root first, bounded by oldest, metadata only when asked', async () => {
    const root = (await client.chat.postMessage({ channel: 'C11', text: 'root' })).ts!;
    const ts: string[] = [];
    for (let i = 0; i < 4; i++) {
      ts.push((await client.chat.postMessage({ channel: 'C11', thread_ts: root, text: `r${i}`, metadata: { event_type: 'etcd_triage_parent', event_payload: { key: `k${i}` } } })).ts!);
    }
    const first = await client.conversations.replies({ channel: 'C11', ts: root, limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['root', 'r0']);
    expect(first.messages?.[1]).not.toHaveProperty('metadata');
    expect(first.has_more).toBe(true);
    const second = await client.conversations.replies({ channel: 'C11', ts: root, limit: 2, cursor: first.response_metadata!.next_cursor!, include_all_metadata: true });
    expect(second.messages?.map((m) => m.text)).toEqual(['r1', 'r2']);
    expect(second.messages?.[0]).toMatchObject({ metadata: { event_payload: { key: 'k1' } } });
    const last = await client.conversations.replies({ channel: 'C11', ts: root, limit: 2, cursor: second.response_metadata!.next_cursor! });
    expect(last.messages?.map((m) => m.text)).toEqual(['r3']);
    expect(last.has_more).toBe(false);
    // Asked by one of its replies, the same thread; bounded by oldest (exclusive unless inclusive).
    const since = await client.conversations.replies({ channel: 'C11', ts: ts[3]!, oldest: ts[1]! });
    expect(since.messages?.map((m) => m.text)).toEqual(['root', 'r2', 'r3']);
    const sinceInclusive = await client.conversations.replies({ channel: 'C11', ts: root, oldest: ts[1]!, inclusive: true });
    expect(sinceInclusive.messages?.map((m) => m.text)).toEqual(['root', 'r1', 'r2', 'r3']);
    await expect(client.conversations.replies({ channel: 'C11', ts: '1.000001' })).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
  });

  it('a reply posted with its key is found in its thread, through several pages, and never the root', async () => {
    const since = Date.now();
    const root = await delivery.postMessage({ channel: 'C12', text: 'the parent', metadata: parentMetadata('why-slow.j20') });
    for (let i = 0; i < 4; i++) await delivery.postMessage({ channel: 'C12', thread_ts: root.ts, text: `detail ${i}` });
    const reply = await delivery.postMessage({ channel: 'C12', thread_ts: root.ts, text: 're-run', metadata: parentMetadata('why-slow.j21') });
    await expect(delivery.findReply('C12', root.ts, 'why-slow.j21', since, { pageSize: 2, maxPages: 5 })).resolves.toBe(reply.ts);
    const pages = slack.okCallsOf('conversations.replies');
    expect(pages).toHaveLength(3);
    expect(pages.every((c) => c.args['include_all_metadata'] === 'true' && c.args['ts'] === root.ts)).toBe(true);
    // The root carries a key too, but it is not a reply in the thread.
    await expect(delivery.findReply('C12', root.ts, 'why-slow.j20', since)).resolves.toBeUndefined();
    // Thread replies are not in the channel's history: the parent lookup cannot see them.
    await expect(delivery.findParent('C12', 'why-slow.j21', since)).resolves.toBeUndefined();
  });

  it('a keyed reply Slack stored while its answer was lost is found in the thread on the retry, not posted twice', async () => {
    const root = await delivery.postMessage({ channel: 'C13', text: 'the parent' });
    let lost = false;
    const remove = slack.beforeAnswer('chat.postMessage', ({ args, response }) => {
      if (lost || args['thread_ts'] !== root.ts || response['ok'] !== true) return;
      lost = true;
      remove();
      throw new Error('answer lost');
    });
    const res = await delivery.postMessage({ channel: 'C13', thread_ts: root.ts, text: 're-run', metadata: parentMetadata('why-slow.j30') });
    expect(slack.threadReplies('C13', root.ts).map((m) => m.ts)).toEqual([res.ts]);
    expect(slack.okCallsOf('conversations.replies')).toHaveLength(1);
  });
});
