import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommandEvent } from '../../../src/ingress/slack/commands/command-handler.js';
import { createSlackApp } from '../../../src/ingress/slack/app.js';
import { startSlackServer, type RunningSlackServer } from '../../../src/ingress/slack/server.js';
import { blockActionsPayload, sendInteraction, sendSlashCommand, type SignedResponse } from '../../support/slack-sign.js';
import { SlackStandin } from '../../support/slack-standin.js';
import { RecordingQueue, SIGNING_SECRET, startTestFront, testAppOptions } from './fixtures.js';

/**
 * Signed slash commands into the real Bolt HTTP receiver; the Slack Web API is the local stand-in.
 * The ack body is the user's answer, so assertions are on the HTTP response and on what was enqueued.
 */
describe('/etcd through the real Bolt receiver', () => {
  let slack: SlackStandin;
  let queue: RecordingQueue;
  let events: CommandEvent[];
  let server: RunningSlackServer;
  let commandsUrl: string;

  beforeAll(async () => {
    ({ slack, queue, events, server } = await startTestFront());
    slack.setUserGroup('S0ONCALL', ['U0ONCALL']);
    commandsUrl = `${server.url}/slack/commands`;
  });

  afterAll(async () => {
    await server?.stop();
    await slack?.stop();
  });

  beforeEach(() => {
    queue.requests.length = 0;
    queue.failWith = undefined;
    queue.deduplicate = false;
    queue.delayMs = 0;
    events.length = 0;
    slack.reset();
  });

  const send = (text: string, fields: Record<string, string> = {}): Promise<SignedResponse> =>
    sendSlashCommand(commandsUrl, SIGNING_SECRET, { text, response_url: slack.responseUrl('c1'), ...fields });

  const ephemeralText = (res: SignedResponse): string => {
    expect(res.status).toBe(200);
    const body = res.json as { response_type?: string; text?: string };
    expect(body.response_type).toBe('ephemeral');
    return body.text ?? '';
  };

  it('acknowledges why-slow with an ephemeral "investigating" and enqueues exactly one request', async () => {
    const res = await send('why-slow lab 15m');
    const text = ephemeralText(res);
    expect(text).toContain('Investigating *lab* over the last 15m');
    expect(text).toContain('results will appear in this channel');
    expect(queue.requests).toEqual([
      {
        cluster: 'lab',
        windowSeconds: 900,
        origin: { kind: 'slack-command', channelId: 'C0LAB', userId: 'U0ALICE' },
      },
    ]);
    expect(events).toEqual([{ subcommand: 'why-slow', outcome: 'enqueued', cluster: 'lab', jobId: 'job-1' }]);
    // The answer is the HTTP response itself: no Web API call on the acknowledgement path.
    expect(slack.calls).toEqual([]);
  });

  it('uses the default window, tolerates spacing and case, and matches the channel by #name', async () => {
    const res = await send('  WHY-SLOW   lab  ', { channel_id: 'C0OTHERID', channel_name: 'etcd-lab' });
    expect(ephemeralText(res)).toContain('over the last 15m');
    expect(queue.requests).toHaveLength(1);
    expect(queue.requests[0]?.windowSeconds).toBe(900);
    expect(queue.requests[0]?.origin).toMatchObject({ channelId: 'C0OTHERID' });
  });

  it('says when the request joined an identical one already running', async () => {
    queue.deduplicate = true;
    const text = ephemeralText(await send('why-slow lab 2h'));
    expect(text).toContain('already running');
    expect(text).toContain('*lab* over the last 2h');
    expect(events[0]?.outcome).toBe('deduplicated');
  });

  it('answers 401 to a bad signature and enqueues nothing', async () => {
    const res = await sendSlashCommand(commandsUrl, SIGNING_SECRET, { text: 'why-slow lab 15m' }, { signature: 'bad' });
    expect(res.status).toBe(401);
    expect(res.body).toBe('');
    expect(queue.requests).toEqual([]);
  });

  it('answers 401 to a timestamp older than five minutes', async () => {
    const res = await sendSlashCommand(commandsUrl, SIGNING_SECRET, { text: 'why-slow lab 15m' }, { ageSeconds: 6 * 60 });
    expect(res.status).toBe(401);
    expect(queue.requests).toEqual([]);
  });

  it('answers 401 when the Slack headers are missing', async () => {
    const res = await sendSlashCommand(commandsUrl, SIGNING_SECRET, { text: 'why-slow lab 15m' }, { signature: 'none' });
    expect(res.status).toBe(401);
    expect(queue.requests).toEqual([]);
  });

  const rejections: Array<[string, string, Record<string, string>, string[]]> = [
    ['unknown cluster', 'why-slow nope 15m', {}, ['Unknown cluster `nope`', 'This channel may query: `lab`.']],
    ['upper-case cluster', 'why-slow LAB', {}, ['Unknown cluster `LAB`', 'did you mean `lab`?']],
    ['cluster not allowed here', 'why-slow prod 15m', {}, ['Cluster *prod* cannot be queried from this channel', 'This channel may query: `lab`.']],
    ['cluster with no Slack access', 'why-slow dark', {}, ['Cluster *dark* cannot be queried from this channel']],
    ['malformed window', 'why-slow lab 15x', {}, ['"15x" is not a window', 'e.g. 15m, 2h or 90s', 'This channel may query: `lab`.']],
    ['window out of range', 'why-slow lab 48h', {}, ['window 48h is out of range: allowed 1m to 24h']],
    ['window too short', 'why-slow lab 30s', {}, ['window 30s is out of range']],
    ['missing cluster', 'why-slow', {}, ['which cluster?', '/etcd why-slow &lt;cluster&gt; [window]']],
    ['extra words', 'why-slow lab 15m please', {}, ['too many words after `why-slow`', '`please`']],
    ['unknown subcommand', 'restart lab', {}, ['unknown subcommand `restart`']],
    [
      'a channel that may query nothing',
      'why-slow lab',
      { channel_id: 'C0RANDOM', channel_name: 'random' },
      ['Cluster *lab* cannot be queried from this channel', 'This channel may not query any cluster'],
    ],
    [
      'user outside the allowed user group',
      'why-slow prod 1h',
      { channel_id: 'C0ONCALL', channel_name: 'etcd-oncall', user_id: 'U0ALICE' },
      ['Only members of <!subteam^S0ONCALL> may query *prod*'],
    ],
  ];

  it.each(rejections)('rejects %s with a specific ephemeral message and enqueues nothing', async (_name, text, fields, words) => {
    const answer = ephemeralText(await send(text, fields));
    for (const w of words) expect(answer).toContain(w);
    expect(queue.requests).toEqual([]);
    expect(events[0]?.outcome).toBe('rejected');
  });

  it('lets a member of the user group query prod from its channel', async () => {
    const res = await send('why-slow prod 1h', { channel_id: 'C0ONCALL', channel_name: 'etcd-oncall', user_id: 'U0ONCALL' });
    expect(ephemeralText(res)).toContain('Investigating *prod* over the last 1h');
    expect(queue.requests.map((r) => r.cluster)).toEqual(['prod']);
    // At most one lookup: membership is cached for a minute (an earlier test may already have filled it).
    expect(slack.callsOf('usergroups.users.list').length).toBeLessThanOrEqual(1);
  });

  it('asks to retry when the user group lookup fails, and enqueues nothing', async () => {
    const other = createSlackApp(testAppOptions(queue.enqueue, slack.apiUrl));
    const srv = await startSlackServer(other, { host: '127.0.0.1', port: 0 });
    try {
      slack.failNext('usergroups.users.list', 1, { kind: 'http', status: 500 });
      const res = await sendSlashCommand(`${srv.url}/slack/commands`, SIGNING_SECRET, {
        text: 'why-slow prod',
        channel_id: 'C0ONCALL',
        channel_name: 'etcd-oncall',
        user_id: 'U0ONCALL',
      });
      expect(ephemeralText(res)).toContain('Could not check whether you may query *prod*');
      expect(queue.requests).toEqual([]);
    } finally {
      await srv.stop();
    }
  });

  it('tells the user the request could not be queued when the enqueue throws', async () => {
    queue.failWith = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const text = ephemeralText(await send('why-slow lab 15m'));
    expect(text).toContain('Could not queue the diagnosis of *lab*');
    expect(text).toContain('try again');
    expect(text).not.toContain('ECONNREFUSED');
    expect(events[0]?.outcome).toBe('queue-failed');
  });

  it('answers within the deadline when the enqueue hangs', async () => {
    queue.delayMs = 5000;
    const res = await send('why-slow lab 15m');
    expect(ephemeralText(res)).toContain('Could not queue');
    expect(res.latencyMs).toBeLessThan(2500);
  });

  it('answers help, and empty text, with the usage and this channel\'s clusters', async () => {
    for (const text of ['help', '', '   ']) {
      const answer = ephemeralText(await send(text));
      expect(answer).toContain('/etcd why-slow &lt;cluster&gt; [window]');
      expect(answer).toContain('This channel may query: `lab`.');
    }
    expect(queue.requests).toEqual([]);
  });

  it('recognises handoff as coming later', async () => {
    const answer = ephemeralText(await send('handoff all 12h'));
    expect(answer).toContain('`/etcd handoff` is not available yet');
    expect(queue.requests).toEqual([]);
  });

  it('acknowledges interactive payloads (link buttons) on the same server', async () => {
    const res = await sendInteraction(`${server.url}/slack/actions`, SIGNING_SECRET, blockActionsPayload('open_grafana'));
    expect(res.status).toBe(200);
    const bad = await sendInteraction(`${server.url}/slack/actions`, SIGNING_SECRET, blockActionsPayload('x'), { signature: 'bad' });
    expect(bad.status).toBe(401);
  });

  it('serves the custom routes it was given without a signature', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });
});

describe('createSlackApp with Slack unreachable', () => {
  it('starts, answers commands and stops without unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    const queue = new RecordingQueue();
    try {
      const app = createSlackApp(testAppOptions(queue.enqueue));
      const srv = await startSlackServer(app, { host: '127.0.0.1', port: 0 });
      const res = await sendSlashCommand(`${srv.url}/slack/commands`, SIGNING_SECRET, { text: 'why-slow lab 5m' });
      expect(res.status).toBe(200);
      expect((res.json as { text: string }).text).toContain('Investigating *lab* over the last 5m');
      await srv.stop();
      await srv.stop();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      expect(queue.requests).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('a failing handler dependency', () => {
  it('still answers the user and reports an error outcome', async () => {
    const events: CommandEvent[] = [];
    const app = createSlackApp({
      ...testAppOptions(new RecordingQueue().enqueue),
      onCommand: (e) => events.push(e),
      userGroups: {
        members: () => {
          throw new TypeError('bug in a directory');
        },
      },
    });
    const srv = await startSlackServer(app, { host: '127.0.0.1', port: 0 });
    try {
      const res = await sendSlashCommand(`${srv.url}/slack/commands`, SIGNING_SECRET, {
        text: 'why-slow prod',
        channel_id: 'C0ONCALL',
        channel_name: 'etcd-oncall',
      });
      expect(res.status).toBe(200);
      // A synchronous throw from the directory is caught as a failed lookup: the user is asked to retry.
      expect((res.json as { text: string }).text).toContain('Could not check whether you may query *prod*');
      expect(events.map((e) => e.outcome)).toEqual(['rejected']);
    } finally {
      await srv.stop();
    }
  });
});
