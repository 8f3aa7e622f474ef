import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSlackServer } from '../../../src/ingress/slack/server.js';
import { blockActionsPayload, sendInteraction, sendSigned, sendSlashCommand } from '../../support/slack-sign.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { RecordingQueue, SIGNING_SECRET, startTestFront } from './fixtures.js';

/**
 * Correctly signed requests into the real Bolt receiver, timestamped off the server's clock: more than
 * five minutes either way is refused (401, nothing queued), within five minutes is served.
 */
describe('Slack request timestamps: at most five minutes off, in either direction', () => {
  let slack: SlackStandin;
  let queue: RecordingQueue;
  let server: RunningSlackServer;
  let commandsUrl: string;

  beforeAll(async () => {
    ({ slack, queue, server } = await startTestFront());
    commandsUrl = `${server.url}/slack/commands`;
  });

  afterAll(async () => {
    await server?.stop();
    await slack?.stop();
  });

  beforeEach(() => {
    queue.requests.length = 0;
  });

  const whySlow = (ageSeconds: number) => sendSlashCommand(commandsUrl, SIGNING_SECRET, { text: 'why-slow lab 15m' }, { ageSeconds });

  it('6 minutes in the future: 401 with an empty body, nothing queued', async () => {
    const res = await whySlow(-6 * 60);
    expect(res.status).toBe(401);
    expect(res.body).toBe('');
    expect(queue.requests).toEqual([]);
  });

  it('4 minutes in the future: served and queued', async () => {
    const res = await whySlow(-4 * 60);
    expect(res.status).toBe(200);
    expect((res.json as { text: string }).text).toContain('Investigating *lab*');
    expect(queue.requests.map((r) => r.cluster)).toEqual(['lab']);
  });

  it('6 minutes in the past: 401, nothing queued (Bolt\'s own rule, unchanged)', async () => {
    const res = await whySlow(6 * 60);
    expect(res.status).toBe(401);
    expect(queue.requests).toEqual([]);
  });

  it('a future timestamp is refused on every Slack endpoint and under any spelling of its path', async () => {
    const action = await sendInteraction(`${server.url}/slack/actions`, SIGNING_SECRET, blockActionsPayload('open_grafana'), { ageSeconds: -6 * 60 });
    expect(action.status).toBe(401);
    const dotted = await sendSigned(`${server.url}/x/../slack/commands?a=1`, SIGNING_SECRET, new URLSearchParams({ command: '/etcd', text: 'why-slow lab' }).toString(), {
      ageSeconds: -6 * 60,
    });
    expect(dotted.status).toBe(401);
    expect(queue.requests).toEqual([]);
  });

  it('the same connection keeps working after a refusal, and custom routes are not affected', async () => {
    expect((await whySlow(-10 * 60)).status).toBe(401);
    expect((await whySlow(0)).status).toBe(200);
    expect(queue.requests).toHaveLength(1);
    const health = await fetch(`${server.url}/healthz`, { headers: { 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000) + 3600) } });
    expect(health.status).toBe(200);
  });
});
