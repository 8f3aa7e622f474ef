import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on a loopback port that forwards every request to one of several real upstreams, the one
 * the test chose last. Used to let a cluster's Prometheus go from one recorded incident to another (a
 * fault, then a healthy recording of the same lab at the same time), so a watch sees a real recovery.
 */
export interface SwitchProxy {
  url: string;
  use(upstreamUrl: string): void;
  close(): Promise<void>;
}

export async function startSwitchProxy(initialUpstream: string): Promise<SwitchProxy> {
  let upstream = new URL(initialUpstream);
  const server: Server = createServer((req, res) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    use(u: string) {
      upstream = new URL(u);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
