import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { buildReceiverRoutes, type CustomRoute } from '@slack/bolt';

/**
 * A plain HTTP server for the front's own routes (health, readiness, metrics, the Alertmanager webhook)
 * when Slack does not call the bot over HTTP (Socket Mode) and for a worker on its own. Routes are matched
 * by exact path and method.
 */
export function createRouteServer(routes: CustomRoute[]): Server {
  // Bolt's own table (path → method → handler), as its receivers build it from the same routes.
  const table = buildReceiverRoutes(routes);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://front').pathname;
    const handler = table[path]?.[(req.method ?? 'GET').toUpperCase()];
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
