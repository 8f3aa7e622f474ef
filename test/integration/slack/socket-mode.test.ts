import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices, type RunningServices } from '../../../src/cli/run/services.js';
import { readEnv } from '../../../src/config/env.js';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { SlackStandin, type StoredMessage } from '../../support/slack-standin.js';
import { SocketModeStandin } from '../../support/socket-mode-standin.js';

/**
 * Slack Socket Mode end to end: two replicas of the front (the real Bolt Socket Mode receiver) connect to
 * Slack's side of the protocol, one worker answers; real Redis and a real Prometheus serving a recorded
 * slow-disk incident. Nothing listens for Slack over HTTP; the HTTP server keeps health and metrics.
 */
const CHANNEL = 'C0SOCKET';

let redis: RunningProcess & { url: string };
let prom: LoadedScenario;
let slack: SlackStandin;
let socket: SocketModeStandin;
let fronts: RunningServices[] = [];
let worker: RunningServices;

beforeAll(async () => {
  [redis, prom, slack] = await Promise.all([
    startRedis(),
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  socket = await SocketModeStandin.attach(slack);
  const config = parseConfigText(
    `
slack: { mode: socket }
clusters:
  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 3000 }
    selector: { job: etcd }
    slack: { channels: ["${CHANNEL}"] }
jobs: { dedupeSeconds: 30, attempts: 2, concurrency: 2 }
`,
    'socket-test.yaml',
    {},
  );
  const env = readEnv({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_APP_TOKEN: socket.appToken,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'silent',
  });
  const common = { config, playbooks: loadPlaybooks(), env, host: '127.0.0.1', port: 0, prefix: `sock${Date.now()}`, logger: createLogger('silent') };
  fronts = await Promise.all([startServices('serve', common), startServices('serve', common)]);
  worker = await startServices('worker', common);
  await waitFor('both replicas connected', () => socket.openConnections().length === 2, 20_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(fronts.map((f) => f.stop()));
  await worker?.stop();
  await socket?.stop();
  await Promise.all([redis?.stop(), prom?.stop(), slack?.stop()]);
});

const parents = (): StoredMessage[] => slack.history(CHANNEL);
const ackText = (payload: Record<string, unknown>): string => (typeof payload['text'] === 'string' ? payload['text'] : '');
const diagnoseJobs = async (): Promise<number> => {
  const c = await fronts[0]!.queue!.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  return Object.values(c).reduce((a, b) => a + b, 0);
};

describe('Slack Socket Mode', () => {
  it('needs no inbound Slack endpoint: the HTTP server serves health and metrics, not /slack/commands', async () => {
    for (const f of fronts) {
      expect((await fetch(`${f.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${f.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${f.url}/slack/commands`, { method: 'POST', body: 'command=%2Fetcd' })).status).toBe(404);
    }
    // Connected with the app-level token; the bot token is never used to open a connection.
    const opens = slack.callsOf('apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(2);
    expect(opens.every((c) => c.response['ok'] === true)).toBe(true);
  });

  it('a slash command envelope is acknowledged with the answer, and the diagnosis arrives in a thread', async () => {
    const ack = await socket.slashCommand({ text: 'why-slow lab 5m', channel_id: CHANNEL });
    expect(ackText(ack.payload)).toContain('Investigating *lab* over the last 5m');
    await waitFor('verdict and thread reply', () => {
      const p = parents()[0];
      return p !== undefined && /Slow disk on/.test(p.text) && slack.threadReplies(CHANNEL, p.ts).length === 1;
    }, 60_000);
    expect(parents()[0]!.text).toMatch(new RegExp(`Slow disk on ${prom.meta.fault.member!}`));
  });

  it('bad input is answered in the ack, bounded, and queues nothing', async () => {
    const before = await diagnoseJobs();
    const ack = await socket.slashCommand({ text: `why-slow lab ${'9'.repeat(5000)}m`, channel_id: CHANNEL });
    const text = ackText(ack.payload);
    expect(text).toMatch(/window/i);
    expect(text.length).toBeLessThan(1000);
    expect(await diagnoseJobs()).toBe(before);
  });

  it('two replicas: each command is acknowledged once; a redelivered envelope is not answered twice', async () => {
    // Spread over both connections, as Slack does.
    const acks = await Promise.all(['help', 'help', 'help', 'help'].map((text) => socket.slashCommand({ text, channel_id: CHANNEL })));
    expect(new Set(acks.map((a) => a.connection)).size).toBe(2);
    for (const a of acks) expect(socket.acksOf(a.envelopeId)).toHaveLength(1);

    // The same envelope reaches both replicas (a redelivery after a lost acknowledgement).
    const [c1, c2] = socket.openConnections() as [number, number];
    const jobsBefore = await diagnoseJobs();
    const parentsBefore = parents().length;
    const envelope = { envelope_id: 'env-redelivered-1', type: 'slash_commands', accepts_response_payload: true, payload: { command: '/etcd', text: 'why-slow lab 10m', channel_id: CHANNEL, user_id: 'U0ALICE', user_name: 'alice', team_id: 'T0STANDIN', response_url: slack.responseUrl('redelivered'), trigger_id: '9.9.9', api_app_id: 'A0ETCD' } };
    socket.deliver(envelope, c1);
    socket.deliver(envelope, c2);
    await waitFor('both deliveries acknowledged', () => socket.acksOf('env-redelivered-1').length === 2, 10_000);
    const answers = socket.acksOf('env-redelivered-1').map((a) => ackText(a.payload));
    expect(answers.filter((t) => t.includes('Investigating *lab* over the last 10m'))).toHaveLength(1);
    expect(answers.filter((t) => t === '')).toHaveLength(1);
    await waitFor('the one diagnosis posted', () => parents().length === parentsBefore + 1 && /Slow disk on/.test(parents()[0]!.text), 60_000);
    expect((await diagnoseJobs()) - jobsBefore).toBe(1);
    // Give a second (wrong) answer time to show up: there must be none.
    await new Promise((r) => setTimeout(r, 1500));
    expect(parents().length).toBe(parentsBefore + 1);
  });

  it("reconnects after Slack's disconnect message and after a cut connection, and keeps answering", async () => {
    const opened = socket.opened;
    const [first, second] = socket.openConnections() as [number, number];
    socket.askToReconnect(first);
    socket.cut(second);
    await waitFor('two fresh connections', () => socket.opened >= opened + 2 && socket.openConnections().length === 2 && !socket.openConnections().includes(first) && !socket.openConnections().includes(second), 30_000);
    const acks = await Promise.all(['help', 'help'].map((text) => socket.slashCommand({ text, channel_id: CHANNEL })));
    for (const a of acks) expect(ackText(a.payload)).toMatch(/why-slow/);
  });
});
