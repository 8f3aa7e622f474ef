import type { CustomRoute } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { AlertIntake } from '../../jobs/alerts/intake-queue.js';
import type { WebhookAuthenticator } from './auth.js';
import { readBody } from './read-body.js';
import { webhookSchema } from './webhook-schema.js';

export interface WebhookRouteOptions {
  path: string;
  auth: WebhookAuthenticator;
  maxBodyBytes: number;
  intake: AlertIntake;
  metrics: Metrics;
  logger: Logger;
  /** An enqueue slower than this answers 503 (Alertmanager retries); default 3000 ms. */
  enqueueTimeoutMs?: number;
}

export type RejectReason = 'unauthorized' | 'too_large' | 'bad_json' | 'bad_schema' | 'redis_unavailable' | 'aborted';

const STATUS: Record<RejectReason, number> = {
  unauthorized: 401,
  too_large: 413,
  bad_json: 400,
  bad_schema: 400,
  redis_unavailable: 503,
  aborted: 400,
};

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * POST <path>: Alertmanager's webhook. Authenticate, cap, parse, validate, enqueue durably, answer.
 * Nothing here waits on Slack or Prometheus; a 2xx means the notification is in Redis. When Redis does not
 * take it, the answer is 503 so that Alertmanager keeps the notification and retries: a storm or an
 * outage must never cost an alert.
 */
export function alertmanagerWebhookRoute(opts: WebhookRouteOptions): CustomRoute {
  const log = opts.logger.child({ component: 'alertmanager-webhook' });
  const reject = (res: ServerResponse, reason: RejectReason, detail: string, headers: Record<string, string> = {}): void => {
    opts.metrics.webhookRejected.inc({ reason });
    log.warn({ reason, detail }, 'webhook refused');
    answer(res, STATUS[reason], { status: 'error', reason, error: detail }, headers);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = Date.now();
    if (!opts.auth.check(req.headers.authorization)) {
      // Leave the body unread: the connection is closed after the answer.
      reject(res, 'unauthorized', 'missing or wrong credentials', { 'www-authenticate': opts.auth.challenge, connection: 'close' });
      req.resume();
      return;
    }
    const body = await readBody(req, opts.maxBodyBytes);
    if (!body.ok) {
      if (body.reason === 'too_large') {
        reject(res, 'too_large', `body over ${opts.maxBodyBytes} bytes`, { connection: 'close' });
      } else {
        reject(res, 'aborted', 'request body was cut short');
      }
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.body.toString('utf8'));
    } catch (err) {
      reject(res, 'bad_json', `body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const parsed = webhookSchema.safeParse(json);
    if (!parsed.success) {
      reject(res, 'bad_schema', `not an Alertmanager webhook (version 4): ${describeIssues(parsed.error)}`);
      return;
    }
    try {
      await withTimeout(opts.intake.enqueue(parsed.data, receivedAt), opts.enqueueTimeoutMs ?? 3000);
    } catch (err) {
      reject(res, 'redis_unavailable', `could not queue the notification: ${err instanceof Error ? err.message : String(err)}`, {
        'retry-after': '5',
      });
      return;
    }
    opts.metrics.alertsReceived.inc({ status: 'firing' }, parsed.data.alerts.filter((a) => a.status === 'firing').length);
    opts.metrics.alertsReceived.inc({ status: 'resolved' }, parsed.data.alerts.filter((a) => a.status === 'resolved').length);
    opts.metrics.webhookLatency.observe((Date.now() - receivedAt) / 1000);
    answer(res, 200, { status: 'accepted', alerts: parsed.data.alerts.length });
  };

  return {
    path: opts.path,
    method: ['POST'],
    handler: (req, res) => {
      handle(req, res).catch((err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'webhook handler failed');
        answer(res, 500, { status: 'error', error: 'internal error' });
      });
    },
  };
}

/** "alerts.0.labels: every alert needs an alertname label; version: …", short enough for a log line. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
