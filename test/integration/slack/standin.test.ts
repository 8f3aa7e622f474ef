import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackStandin } from '../../support/slack-standin.js';

/** The stand-in must refuse what Slack refuses, or tests of our limit handling would prove nothing. */
describe('Slack Web API stand-in', () => {
  let slack: SlackStandin;
  let client: webApi.WebClient;

  beforeAll(async () => {
    slack = await SlackStandin.start({ token: 'xoxb-t' });
    client = new webApi.WebClient('xoxb-t', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });
  afterAll(async () => {
    await slack?.stop();
  });

  it('refuses over-limit messages the way Slack does', async () => {
    const section = (n: number) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'x'.repeat(n) } });
    const fail = (blocks: ReturnType<typeof section>[]) =>
      client.chat.postMessage({ channel: 'C1', text: 't', blocks }).catch((e: webApi.WebAPIPlatformError) => e.data.error);
    expect(await fail(Array.from({ length: 51 }, () => section(1)))).toBe('invalid_blocks');
    expect(await fail([section(3001)])).toBe('invalid_blocks');
    expect(await fail(Array.from({ length: 10 }, () => section(2000)))).toBe('msg_blocks_too_long');
  });

  it('checks the bearer token and scripts failures per method', async () => {
    const wrong = new webApi.WebClient('xoxb-other', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(wrong.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    slack.failNext('auth.test', 1, { kind: 'rate-limited', retryAfter: 3 });
    await expect(client.auth.test()).rejects.toMatchObject({ retryAfter: 3 });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true, bot_id: 'B0BOT' });
  });

  it('hands out unique increasing ts and finds calls as they happen', async () => {
    const waiting = slack.waitForCall((c) => c.method === 'chat.postMessage' && c.args['text'] === 'third');
    const ts: string[] = [];
    for (const text of ['first', 'second', 'third']) {
      const res = await client.chat.postMessage({ channel: 'C2', text });
      ts.push(res.ts!);
    }
    expect((await waiting).response['ts']).toBe(ts[2]);
    expect(new Set(ts).size).toBe(3);
    expect([...ts].sort()).toEqual(ts);
    const history = await client.conversations.history({ channel: 'C2' });
    expect(history.messages?.map((m) => m.text)).toEqual(['third', 'second', 'first']);
  });
});
