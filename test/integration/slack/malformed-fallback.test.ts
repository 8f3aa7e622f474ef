import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentSlackError } from '../../../src/delivery/errors.js';
import type { KnownBlock } from '../../../src/delivery/message-limits.js';
import { classifyFailure } from '../../../src/delivery/retry.js';
import { SlackDelivery } from '../../../src/delivery/slack-client.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { BOT_TOKEN, silentLogger } from './fixtures.js';

/**
 * A message Slack refuses for its content is refused on every attempt. SlackDelivery posts its plain
 * version in its place, once, so the thread goes on; a refusal that is not about the content (a wrong
 * channel) still fails as it did.
 */
describe('SlackDelivery and messages Slack refuses as malformed', () => {
  let slack: SlackStandin;
  const delivery = (): SlackDelivery =>
    new SlackDelivery({ botToken: BOT_TOKEN, slackApiUrl: slack.apiUrl, logger: silentLogger, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
  const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

  beforeAll(async () => {
    slack = await SlackStandin.start({ token: BOT_TOKEN, channels: ['C1'] });
  });
  afterAll(async () => {
    await slack?.stop();
  });
  beforeEach(() => slack.reset());

  it('a refused reply is replaced by its plain text, and the next reply follows it in the thread', async () => {
    const d = delivery();
    const parent = await d.postMessage({ channel: 'C1', text: 'parent' });
    slack.failNext('chat.postMessage', 1, { kind: 'error', error: 'invalid_blocks' }, (a) => a['thread_ts'] === parent.ts);
    const first = await d.postMessage({
      channel: 'C1',
      thread_ts: parent.ts,
      text: 'Triage of &lt;!channel&gt;: slow disk on <http://am.example|Alertmanager>',
      blocks: [section('*Triage* of &lt;!channel&gt;')],
    });
    const second = await d.postMessage({ channel: 'C1', thread_ts: parent.ts, text: 'Resolved after 5m' });

    expect(first.fallback).toBe('invalid_blocks');
    expect(second.fallback).toBeUndefined();
    const replies = slack.threadReplies('C1', parent.ts);
    expect(replies.map((r) => r.text)).toEqual([
      '⚠️ This message could not be shown as formatted (Slack answered invalid_blocks); its text follows.\n' +
        'Triage of &lt;!channel&gt;: slow disk on &lt;http://am.example|Alertmanager&gt;',
      'Resolved after 5m',
    ]);
    expect(replies[0]!.blocks).toBeUndefined();
    // One refused attempt, one fallback: no retries of what Slack will never accept.
    expect(slack.callsOf('chat.postMessage').filter((c) => c.args['thread_ts'] === parent.ts)).toHaveLength(3);
  });

  it.each(['msg_too_long', 'msg_blocks_too_long', 'invalid_arguments'])('%s also falls back, bounded to 3000 characters', async (error) => {
    const d = delivery();
    slack.failNext('chat.postMessage', 1, { kind: 'error', error });
    const res = await d.postMessage({ channel: 'C1', text: `${'x'.repeat(10_000)}`, blocks: [section('x')] });
    expect(res.fallback).toBe(error);
    const posted = slack.message('C1', res.ts)!;
    expect(posted.text.length).toBeLessThanOrEqual(3000);
    expect(posted.text.endsWith('…')).toBe(true);
  });

  it('a refused edit is made with the plain text and no blocks', async () => {
    const d = delivery();
    const parent = await d.postMessage({ channel: 'C1', text: 'queued', blocks: [section('🕐 queued')] });
    slack.failNext('chat.update', 1, { kind: 'error', error: 'invalid_blocks' });
    const res = await d.update({ channel: 'C1', ts: parent.ts, text: 'verdict: slow disk', blocks: [section('*verdict*')] });
    expect(res.fallback).toBe('invalid_blocks');
    const now = slack.message('C1', parent.ts)!;
    expect(now.text).toContain('verdict: slow disk');
    expect(now.blocks).toEqual([]);
  });

  it('a plain version refused as well fails with that refusal: one fallback, no loop', async () => {
    const d = delivery();
    slack.failNext('chat.postMessage', 2, { kind: 'error', error: 'invalid_blocks' });
    await expect(d.postMessage({ channel: 'C1', text: 'x', blocks: [section('x')] })).rejects.toMatchObject({ slackError: 'invalid_blocks' });
    expect(slack.callsOf('chat.postMessage')).toHaveLength(2);
  });

  it('a refusal that is not about the content still fails, and nothing is posted in its place', async () => {
    const d = delivery();
    const err = await d.postMessage({ channel: 'C0NOPE', text: 'hello', blocks: [section('hello')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentSlackError);
    expect((err as PermanentSlackError).slackError).toBe('channel_not_found');
    expect(slack.okCallsOf('chat.postMessage')).toHaveLength(0);
  });

  it('half an emoji (a lone surrogate) is repaired before sending: the message goes out, once', async () => {
    const d = delivery();
    const res = await d.postMessage({ channel: 'C1', text: `${'x'.repeat(10)}\uD83D`, blocks: [section(`cut \uDE00 here`)] });
    expect(res.fallback).toBeUndefined();
    expect(slack.message('C1', res.ts)!.text).toBe(`${'x'.repeat(10)}\uFFFD`);
    expect(JSON.stringify(slack.message('C1', res.ts)!.blocks)).toContain('cut \uFFFD here');
  });

  it('a payload that cannot be form-encoded counts as permanent ("unencodable"), never as worth retrying', () => {
    expect(classifyFailure(new URIError('URI malformed'))).toEqual({ kind: 'permanent', slackError: 'unencodable' });
  });
});
