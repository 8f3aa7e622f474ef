import type { App, CustomRoute } from '@slack/bolt';
import { createRouteServer, listenOn } from '../http/route-server.js';
import type { RunningSlackServer } from './server.js';
import { stoppableServer } from './server.js';

/**
 * The front in Socket Mode: Slack's commands and interactions arrive over the app's own WebSocket
 * connection (app.start() opens it), and a plain HTTP server on host:port serves everything else:
 * /healthz, /readyz, /metrics and the Alertmanager webhook. Nothing listens for Slack itself.
 */
export async function startSocketModeFront(
  app: App,
  listen: { host: string; port: number },
  routes: CustomRoute[],
): Promise<RunningSlackServer> {
  const server = await listenOn(createRouteServer(routes), listen);
  try {
    await app.start();
  } catch (err) {
    server.close();
    throw err;
  }
  const http = stoppableServer(server);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs?: number): Promise<void> => {
    stopping ??= Promise.all([app.stop(), http.stop(graceMs)]).then(() => undefined);
    return stopping;
  };
  return { ...http, stop };
}
