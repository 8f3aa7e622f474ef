import type { CustomRoute } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { AlertIntake } from '../../jobs/alerts/intake-queue.js';
import type { WebhookAuthenticator } from './auth.js';
import { readBody } from './read-body.js';
import { parseNotification } from './parse-notification.js';

export interface WebhookRouteOptions {
  path: string;
  auth: WebhookAuthenticator;
  maxBodyBytes: number;
  /** Alerts per notification; the rest are left out and counted in truncatedAlerts (default 1000). */
  maxAlerts?: number;
  intake: AlertIntake;
  metrics: Metrics;
  logger: Logger;
  /** An enqueue slower than this answers 503 (Alertmanager retries); default 3000 ms. */
  enqueueTimeoutMs?: number;
}

/** Alertmanager's own max_alerts idea: a notification's cost (validation, state, Slack text) is bounded. */
export const DEFAULT_MAX_ALERTS = 1000;

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
  const maxAlerts = opts.maxAlerts ?? DEFAULT_MAX_ALERTS;
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
    const parsed = parseNotification(json, maxAlerts);
    if (!parsed.ok) {
      reject(res, 'bad_schema', `not an Alertmanager webhook (version 4): ${parsed.detail}`);
      return;
    }
    const n = parsed.notification;
    try {
      await withTimeout(opts.intake.enqueue(n, receivedAt), opts.enqueueTimeoutMs ?? 3000);
    } catch (err) {
      reject(res, 'redis_unavailable', `could not queue the notification: ${err instanceof Error ? err.message : String(err)}`, {
        'retry-after': '5',
      });
      return;
    }
    opts.metrics.alertsReceived.inc({ status: 'firing' }, n.alerts.filter((a) => a.status === 'firing').length);
    opts.metrics.alertsReceived.inc({ status: 'resolved' }, n.alerts.filter((a) => a.status === 'resolved').length);
    if (n.truncatedAlerts > 0) {
      // Counted and logged, and carried with the notification so that the thread says so too.
      const byAlertmanager = n.truncatedAlerts - parsed.capped;
      if (byAlertmanager > 0) opts.metrics.alertsTruncated.inc({ by: 'alertmanager' }, byAlertmanager);
      if (parsed.capped > 0) opts.metrics.alertsTruncated.inc({ by: 'etcd-triage' }, parsed.capped);
      log.warn(
        { groupKey: n.groupKey.slice(0, 200), kept: n.alerts.length, truncatedAlerts: n.truncatedAlerts, capped: parsed.capped, maxAlerts },
        'notification truncated: alerts left out are counted in the thread',
      );
    }
    opts.metrics.webhookLatency.observe((Date.now() - receivedAt) / 1000);
    answer(res, 200, { status: 'accepted', alerts: n.alerts.length, truncatedAlerts: n.truncatedAlerts });
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
