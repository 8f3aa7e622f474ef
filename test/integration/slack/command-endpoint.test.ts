import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommandEvent } from '../../../src/ingress/slack/commands/command-handler.js';
import type { RunningSlackServer } from '../../../src/ingress/slack/server.js';
import { DEFAULT_COMMAND, sendSigned, sendSlashCommand, slackSignature } from '../../support/slack-sign.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { RecordingQueue, SIGNING_SECRET, startTestFront } from './fixtures.js';

/**
 * POST /slack/commands is answered by the front's own endpoint, not by Bolt's pipeline: what it refuses
 * (before anything is parsed into a command or queued), with which status, and that the connection stays
 * usable after a refusal.
 */
describe("the HTTP front's slash-command endpoint refuses what is not a fresh, signed Slack form", () => {
  let slack: SlackStandin;
  let queue: RecordingQueue;
  let events: CommandEvent[];
  let server: RunningSlackServer;
  let url: string;

  beforeAll(async () => {
    ({ slack, queue, events, server } = await startTestFront());
    url = `${server.url}/slack/commands`;
  });

  afterAll(async () => {
    await server?.stop();
    await slack?.stop();
  });

  beforeEach(() => {
    queue.requests.length = 0;
    events.length = 0;
  });

  const form = (fields: Record<string, string> = {}): string => new URLSearchParams({ ...DEFAULT_COMMAND, text: 'why-slow lab 15m', ...fields }).toString();

  /** A request signed correctly now, with the given content type and body. */
  const post = async (body: string, headers: Record<string, string> = {}) => {
    const ts = Math.floor(Date.now() / 1000);
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': slackSignature(SIGNING_SECRET, ts, body),
        ...headers,
      },
      body,
    });
    return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
  };

  const nothingHappened = (): void => {
    expect(queue.requests).toEqual([]);
    expect(events).toEqual([]);
  };

  it('a bad signature: 401, empty body, nothing queued', async () => {
    const res = await sendSlashCommand(url, SIGNING_SECRET, { text: 'why-slow lab 15m' }, { signature: 'bad' });
    expect(res.status).toBe(401);
    expect(res.body).toBe('');
    nothingHappened();
  });

  it('a body changed after signing (another cluster, same signature): 401', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const signed = form({ text: 'why-slow lab 15m' });
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SIGNING_SECRET, ts, signed) },
      body: form({ text: 'why-slow prod 15m' }),
    });
    expect(res.statusCode).toBe(401);
    nothingHappened();
  });

  it('missing Slack headers, or a timestamp that is not whole seconds: 401', async () => {
    expect((await sendSlashCommand(url, SIGNING_SECRET, { text: 'why-slow lab' }, { signature: 'none' })).status).toBe(401);
    const body = form();
    const ts = `${Math.floor(Date.now() / 1000)}.5`;
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${'0'.repeat(64)}` },
      body,
    });
    expect(res.statusCode).toBe(401);
    await res.body.text();
    nothingHappened();
  });

  it('stale (6 minutes old) and future (6 minutes ahead) timestamps: 401; 4 minutes either way is served', async () => {
    for (const ageSeconds of [6 * 60, -6 * 60]) {
      const res = await sendSlashCommand(url, SIGNING_SECRET, { text: 'why-slow lab 15m' }, { ageSeconds });
      expect(res.status).toBe(401);
      expect(res.body).toBe('');
    }
    nothingHappened();
    for (const ageSeconds of [4 * 60, -4 * 60]) {
      const res = await sendSlashCommand(url, SIGNING_SECRET, { text: 'why-slow lab 15m' }, { ageSeconds });
      expect(res.status).toBe(200);
      expect((res.json as { text: string }).text).toContain('Investigating *lab* over the last 15m');
    }
    expect(queue.requests).toHaveLength(2);
  });

  it('a body over 64 KiB: 413 and the connection closed, nothing queued, even though it is signed', async () => {
    const res = await post(form({ text: `why-slow lab ${'9'.repeat(70 * 1024)}m` }));
    expect(res.status).toBe(413);
    expect(res.body).toBe('');
    expect(res.headers['connection']).toBe('close');
    nothingHappened();
  });

  it('a content type other than a form (JSON, text): 415, nothing queued', async () => {
    const json = JSON.stringify({ ...DEFAULT_COMMAND, text: 'why-slow lab 15m' });
    expect((await post(json, { 'content-type': 'application/json' })).status).toBe(415);
    expect((await post(form(), { 'content-type': 'text/plain' })).status).toBe(415);
    const noType = await request(url, { method: 'POST', body: form() });
    expect(noType.statusCode).toBe(415);
    await noType.body.text();
    nothingHappened();
    // A charset parameter is still a form.
    const withCharset = await post(form(), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    expect(withCharset.status).toBe(200);
    expect(queue.requests).toHaveLength(1);
  });

  it('a signed form that is not a slash command payload gets the bounded internal-error answer, nothing queued', async () => {
    const res = await sendSigned(url, SIGNING_SECRET, new URLSearchParams({ command: '/etcd', text: 'why-slow lab' }).toString());
    expect(res.status).toBe(200);
    expect((res.json as { response_type: string; text: string })).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('Something went wrong') });
    expect(queue.requests).toEqual([]);
    expect(events).toEqual([{ subcommand: 'invalid', outcome: 'rejected', reason: 'usage' }]);
  });

  it("Slack's SSL check is answered 200 with an empty body and starts nothing", async () => {
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=x' });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('');
    nothingHappened();
  });

  it('the same keep-alive connection serves a command after each kind of refusal', async () => {
    const { Agent } = await import('undici');
    const one = new Agent({ connections: 1 });
    try {
      const bad = await sendSlashCommand(url, SIGNING_SECRET, { text: 'why-slow lab' }, { signature: 'bad', dispatcher: one });
      expect(bad.status).toBe(401);
      const ok = await sendSlashCommand(url, SIGNING_SECRET, { text: 'why-slow lab 5m' }, { dispatcher: one });
      expect(ok.status).toBe(200);
      expect((ok.json as { text: string }).text).toContain('Investigating *lab* over the last 5m');
    } finally {
      await one.close();
    }
  });
});
