import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Kubernetes API's pod-log endpoint:
 *   GET /api/v1/namespaces/{ns}/pods/{pod}/log?container=…&sinceSeconds=…&timestamps=true&limitBytes=…
 * It checks the bearer token, honours sinceSeconds (against its own clock), timestamps and limitBytes
 * the way the API documents them, answers errors as a `Status` object, and records every request.
 */

export interface StandinLogLine {
  /** Time the container runtime recorded, ms epoch. */
  time: number;
  line: string;
}

export interface KubeStandinOptions {
  token?: string;
  /** namespace/pod → container → lines */
  pods: Record<string, Record<string, StandinLogLine[]>>;
  now?: () => number;
  /** Pods whose answer never comes (for deadline tests). */
  hang?: ReadonlySet<string>;
  /** Serve HTTPS with this key and certificate (PEM), like a real API server with its own CA. */
  tls?: { key: string; cert: string };
}

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

export interface KubeStandin {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }));
}

/** RFC 3339 with nanoseconds, as the kubelet writes it. */
function rfc3339Nano(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.(\d{3})Z$/, (_m, frac: string) => `.${frac}${String(Math.round((ms % 1) * 1e6)).padStart(6, '0')}Z`);
}

export async function startKubeStandin(opts: KubeStandinOptions): Promise<KubeStandin> {
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  const now = opts.now ?? Date.now;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const query = Object.fromEntries(url.searchParams);
    requests.push({ path: url.pathname, query, authorization: req.headers.authorization });
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const ns = decodeURIComponent(m[1]!);
    const pod = decodeURIComponent(m[2]!);
    const containers = opts.pods[`${ns}/${pod}`];
    if (!containers) return status(res, 404, 'NotFound', `pods "${pod}" not found`);
    const container = query['container'] ?? Object.keys(containers)[0]!;
    const lines = containers[container];
    if (!lines) return status(res, 400, 'BadRequest', `container ${container} is not valid for pod ${pod}`);
    if (query['sinceSeconds'] !== undefined && query['sinceTime'] !== undefined) {
      return status(res, 422, 'Invalid', 'at most one of sinceTime or sinceSeconds may be specified');
    }
    if (opts.hang?.has(pod)) {
      open.add(res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(''); // headers out, body never ends
      return;
    }
    const since = query['sinceSeconds'] !== undefined ? now() - Number(query['sinceSeconds']) * 1000 : -Infinity;
    const stamps = query['timestamps'] === 'true';
    let body = lines
      .filter((l) => l.time >= since)
      .map((l) => (stamps ? `${rfc3339Nano(l.time)} ${l.line}` : l.line) + '\n')
      .join('');
    const limit = query['limitBytes'] !== undefined ? Number(query['limitBytes']) : Infinity;
    const bytes = Buffer.from(body);
    if (bytes.length > limit) body = bytes.subarray(0, limit).toString('utf8');
    res.writeHead(200, { 'content-type': 'text/plain' });
    // Several writes, so the client sees lines split across chunks.
    const buf = Buffer.from(body);
    for (let i = 0; i < buf.length; i += 1000) res.write(buf.subarray(i, i + 1000));
    res.end();
  };
  const server: Server = opts.tls ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
