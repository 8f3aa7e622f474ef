import type { Server } from 'node:http';
import type { App } from '@slack/bolt';

export interface RunningSlackServer {
  server: Server;
  /** http://host:port of the listening server. */
  url: string;
  port: number;
  /** Stops accepting, then closes idle and (after graceMs) all remaining connections. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the Bolt app's HTTP server on host:port (port 0 picks a free one). Bolt's own stop waits for
 * keep-alive connections to drain, which can hang a test or a rolling restart: stop() here closes idle
 * sockets at once and forces the rest after a grace period.
 */
export async function startSlackServer(app: App, listen: { host: string; port: number }): Promise<RunningSlackServer> {
  const server = await app.start({ host: listen.host, port: listen.port });
  return stoppableServer(server);
}

/**
 * How long an idle keep-alive connection stays open. Load balancers and ingress controllers keep idle
 * upstream connections for 60 s (AWS ALB, GKE's, nginx ingress' upstream keep-alive); with Node's default
 * of 5 s the bot closes a connection the balancer is about to reuse, and that request fails with a 502.
 * The server's idle timeout must be the longer of the two.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** A listening server with the stop() described above and keep-alive outlasting a balancer's. */
export function stoppableServer(server: Server): RunningSlackServer {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Node requires the headers timeout to exceed the keep-alive timeout.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 2000): Promise<void> => {
    stopping ??= new Promise<void>((resolve, reject) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close((err) => {
        clearTimeout(force);
        if (err !== undefined && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
        else resolve();
      });
      server.closeIdleConnections();
    });
    return stopping;
  };
  return { server, url: `http://${host}:${address.port}`, port: address.port, stop };
}
