import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';

/**
 * A plain HTTP server for the front's own routes (health, readiness, metrics, the Alertmanager webhook)
 * when Slack does not call the bot over HTTP (Socket Mode). Routes are matched by exact path and method,
 * like the Bolt HTTP receiver matches the same routes in HTTP mode.
 */
export function createRouteServer(routes: CustomRoute[]): Server {
  const table = new Map<string, CustomRoute['handler']>();
  for (const r of routes) {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) table.set(`${method.toUpperCase()} ${r.path}`, r.handler);
  }
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://front').pathname;
    const handler = table.get(`${(req.method ?? 'GET').toUpperCase()} ${path}`);
    if (handler === undefined) {
      res.writeHead(404).end();
      req.resume();
      return;
    }
    try {
      handler(Object.assign(req, { params: {} }), res);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
}

/** Starts `server` on host:port (0 picks a free port) and resolves once it listens. */
export function listenOn(server: Server, listen: { host: string; port: number }): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
