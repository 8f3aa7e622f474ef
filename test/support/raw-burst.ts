import { connect, type Socket } from 'node:net';

/**
 * A load generator that costs next to nothing per request: HTTP/1.1 requests built and signed before
 * the burst, written back to back on kept-alive raw sockets (one per request in flight), and the
 * responses read with the least parsing that still checks them (status line, Content-Length, body).
 *
 * Slack's requests come from Slack's machines. On a two-core bench machine the generator shares the
 * bot's cores instead, and an HTTP client library spends a good part of a millisecond per request
 * sending and reading: time the bot's answers wait for the generator, counted in their latency. The
 * less the generator spends, the more the figure is the bot's.
 */
export interface RawResponse {
  status: number;
  body: string;
  /** From just before the request's write to its whole response read. */
  latencyMs: number;
}

interface Pending {
  started: number;
  resolve: (r: RawResponse) => void;
  reject: (err: Error) => void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** An HTTP/1.1 POST of a form body to `host` (host:port), with the given headers, as bytes ready to write. */
export function rawPost(host: string, path: string, headers: Record<string, string>, body: string): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}`, `content-length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-length') lines.push(`${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** One kept-alive connection: one request at a time. */
class RawConnection {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.tryComplete();
    });
    const fail = (err: Error): void => {
      const p = this.pending;
      this.pending = undefined;
      p?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before the response was complete')));
  }

  send(request: Buffer): Promise<RawResponse> {
    if (this.pending !== undefined) return Promise.reject(new Error('one request at a time per connection'));
    return new Promise((resolve, reject) => {
      this.pending = { started: performance.now(), resolve, reject };
      this.socket.write(request);
    });
  }

  private tryComplete(): void {
    const p = this.pending;
    if (p === undefined) return;
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length === null) {
      p.reject(new Error(`response without Content-Length: ${head.split('\r\n', 1)[0]}`));
      this.pending = undefined;
      return;
    }
    const total = end + HEADER_END.length + Number(length[1]);
    if (this.buf.length < total) return;
    const latencyMs = performance.now() - p.started;
    const status = Number(head.slice(9, 12));
    const body = this.buf.toString('utf8', end + HEADER_END.length, total);
    this.buf = this.buf.subarray(total);
    this.pending = undefined;
    p.resolve({ status, body, latencyMs });
  }

  close(): void {
    this.socket.destroy();
  }
}

export class RawBurst {
  private constructor(
    private readonly connections: RawConnection[],
    private readonly host: string,
  ) {}

  /** `size` kept-alive connections to 127.0.0.1:port. */
  static async open(port: number, size: number): Promise<RawBurst> {
    const sockets = await Promise.all(
      Array.from(
        { length: size },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const s = connect(port, '127.0.0.1', () => resolve(s));
            s.once('error', reject);
          }),
      ),
    );
    return new RawBurst(
      sockets.map((s) => new RawConnection(s)),
      `127.0.0.1:${port}`,
    );
  }

  /** A POST of a form body, with the given headers, as bytes ready to write. */
  request(path: string, headers: Record<string, string>, body: string): Buffer {
    return rawPost(this.host, path, headers, body);
  }

  /** Writes every request at once, one per connection, and resolves with their responses in order. */
  send(requests: readonly Buffer[]): Promise<RawResponse[]> {
    if (requests.length > this.connections.length) throw new Error(`${requests.length} requests for ${this.connections.length} connections`);
    return Promise.all(requests.map((r, i) => this.connections[i]!.send(r)));
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}
