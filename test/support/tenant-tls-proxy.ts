import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TestCerts } from './test-certs.js';

/**
 * What a multi-tenant Prometheus-compatible service looks like from outside (Mimir, Cortex, a Thanos
 * behind an auth proxy): HTTPS that requires a client certificate signed by its CA, a tenant header
 * without which it answers 401, and the API under a path prefix. Behind it, a real Prometheus.
 * Every request that got past TLS is recorded, so a test can assert what reached the server.
 */
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Form body and query string parameters together. */
  params: Record<string, string>;
}

export interface TenantTlsProxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export interface TenantTlsProxyOptions {
  upstreamUrl: string;
  certs: TestCerts;
  tenant: string;
  /** e.g. /select/0/prometheus: the API is only served under it. */
  prefix: string;
  /**
   * Thanos' answer when a store does not respond and the query allowed a partial response: the data
   * it has, with a warning naming the store. Added to every answer asked with partial_response=true.
   */
  partialWarning?: string;
}

export async function startTenantTlsProxy(opts: TenantTlsProxyOptions): Promise<TenantTlsProxy> {
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer(
    {
      key: readFileSync(opts.certs.serverKey),
      cert: readFileSync(opts.certs.serverCert),
      ca: readFileSync(opts.certs.caFile),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const url = new URL(req.url ?? '/', 'https://proxy');
          const params = Object.fromEntries([...url.searchParams, ...new URLSearchParams(body)]);
          requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, params });
          if (req.headers['x-scope-orgid'] !== opts.tenant) {
            res.writeHead(401, { 'content-type': 'text/plain' }).end('no org id: X-Scope-OrgID header required\n');
            return;
          }
          if (!url.pathname.startsWith(`${opts.prefix}/`)) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
            return;
          }
          const upstream = await fetch(`${opts.upstreamUrl}${url.pathname.slice(opts.prefix.length)}${url.search}`, {
            method: req.method,
            headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
            body: req.method === 'POST' ? body : undefined,
          });
          let text = await upstream.text();
          if (opts.partialWarning && params['partial_response'] === 'true') {
            const json = JSON.parse(text) as Record<string, unknown>;
            text = JSON.stringify({ ...json, warnings: [opts.partialWarning] });
          }
          res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
        })().catch((err: unknown) => res.writeHead(502).end(String(err)));
      });
    },
  );
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `https://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
