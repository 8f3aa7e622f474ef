import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a loopback port in front of a real server that holds every byte coming back from it for
 * `delayMs` (order kept), so that the server answers, but later than its client's deadline. Requests go
 * through at once. Used to make the real fixture Prometheus slower than the bot's query deadline.
 */
export interface SlowProxy {
  url: string;
  port: number;
  /** Connections opened through the proxy so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startSlowProxy(upstreamUrl: string, delayMs: number): Promise<SlowProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, delayMs);
    timers.add(t);
  };
  const state = { connections: 0 };
  const server: Server = createServer((client) => {
    state.connections++;
    const origin = connect({ host: upstream.hostname, port: Number(upstream.port) });
    for (const s of [client, origin]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // A client that gave up (its deadline) resets the connection: drop both sides quietly.
      s.on('error', () => {
        client.destroy();
        origin.destroy();
      });
    }
    client.pipe(origin);
    origin.on('data', (chunk: Buffer) => later(() => client.destroyed || client.write(chunk)));
    origin.on('end', () => later(() => client.end()));
    client.on('close', () => origin.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('slow proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
