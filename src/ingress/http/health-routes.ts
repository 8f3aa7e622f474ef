import type { CustomRoute } from '@slack/bolt';
import type { ServerResponse } from 'node:http';
import type { Metrics } from '../../telemetry/metrics.js';

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * GET /healthz: the process is alive. GET /readyz: it can do its job (Redis answers a PING).
 * GET /metrics: the bot's own metrics for Prometheus.
 */
export function healthRoutes(opts: { metrics: Metrics; redisPing: () => Promise<unknown> }): CustomRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req, res) => send(res, 200, JSON.stringify({ status: 'ok' })),
    },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 1000 ms')), 1000).unref());
        Promise.race([opts.redisPing(), timeout]).then(
          () => send(res, 200, JSON.stringify({ status: 'ready', redis: 'ok' })),
          (err: unknown) =>
            send(res, 503, JSON.stringify({ status: 'not ready', redis: err instanceof Error ? err.message : String(err) })),
        );
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        opts.metrics.render().then(
          (text) => send(res, 200, text, opts.metrics.registry.contentType),
          (err: unknown) => send(res, 500, String(err), 'text/plain'),
        );
      },
    },
  ];
}
