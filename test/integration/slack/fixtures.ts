import pino from 'pino';
import { configSchema, type Config } from '../../../src/config/schema.js';
import type { DiagnosisRequest } from '../../../src/diagnosis/request.js';
import type { App } from '@slack/bolt';
import type { CommandEvent, EnqueueResult } from '../../../src/ingress/slack/commands/command-handler.js';
import { createSlackApp, type SlackAppOptions } from '../../../src/ingress/slack/app.js';
import { startSlackServer, type RunningSlackServer } from '../../../src/ingress/slack/server.js';
import { SlackStandin } from '../../support/slack-standin.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token';

/** lab: queryable from C0LAB and #etcd-lab; prod: only #etcd-oncall and only by S0ONCALL; dark: not from Slack. */
export function testConfig(): Config {
  const prom = { url: 'http://127.0.0.1:9' };
  return configSchema.parse({
    defaults: { window: '15m' },
    clusters: {
      lab: { prometheus: prom, selector: { job: 'etcd' }, slack: { channels: ['C0LAB', '#etcd-lab'] } },
      prod: {
        prometheus: prom,
        selector: { job: 'etcd-prod' },
        slack: { channels: ['#etcd-oncall'], userGroups: ['S0ONCALL'] },
      },
      dark: { prometheus: prom, selector: { job: 'etcd-dark' } },
    },
  });
}

export const silentLogger = pino({ level: 'silent' });

/** Records enqueued requests; can be made to fail or dedupe. */
export class RecordingQueue {
  readonly requests: DiagnosisRequest[] = [];
  failWith: Error | undefined;
  deduplicate = false;
  delayMs = 0;

  readonly enqueue = async (req: DiagnosisRequest): Promise<EnqueueResult> => {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failWith !== undefined) throw this.failWith;
    this.requests.push(req);
    return { jobId: `job-${this.requests.length}`, deduplicated: this.deduplicate };
  };
}

/** The options every test app shares: the test config and secrets, a silent logger, Slack at `slackApiUrl` (default: a closed port). */
export function testAppOptions(
  enqueueDiagnosis: SlackAppOptions['enqueueDiagnosis'],
  slackApiUrl = 'http://127.0.0.1:9/api/',
): SlackAppOptions {
  return { config: testConfig(), botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, slackApiUrl, logger: silentLogger, enqueueDiagnosis };
}

/**
 * The real Bolt app and HTTP front on a free loopback port, with the Slack stand-in, a recording queue
 * and the commands it saw; `extra` sets or overrides app options.
 */
export async function startTestFront(extra: Partial<SlackAppOptions> = {}): Promise<{
  slack: SlackStandin;
  queue: RecordingQueue;
  events: CommandEvent[];
  app: App;
  server: RunningSlackServer;
}> {
  const slack = await SlackStandin.start({ token: BOT_TOKEN });
  const queue = new RecordingQueue();
  const events: CommandEvent[] = [];
  const app = createSlackApp({
    ...testAppOptions(queue.enqueue, slack.apiUrl),
    onCommand: (e) => events.push(e),
    enqueueTimeoutMs: 500,
    customRoutes: [{ path: '/healthz', method: 'GET', handler: (_req, res) => res.writeHead(200).end('ok') }],
    ...extra,
  });
  const server = await startSlackServer(app, { host: '127.0.0.1', port: 0 });
  return { slack, queue, events, app, server };
}
