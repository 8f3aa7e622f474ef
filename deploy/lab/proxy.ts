/**
 * Peer-traffic proxy for the lab. The kernel here has no netem, so etcd members advertise a port of this
 * proxy as their peer URL and every byte of raft traffic passes through it, where it can be delayed.
 *
 *   npx tsx deploy/lab/proxy.ts --control 32088 --route etcd-1:32181:32180 --route etcd-2:...
 *
 * Each route is <member>:<listen port>:<member's real peer port>. Control API (loopback only):
 *   GET  /state                      → current faults and connection counts
 *   POST /fault {member, memberId?, delayMs, jitterMs?, lossPct?, durationS?}
 *   POST /clear {member?}
 *
 * A fault on member M delays both directions of every connection through M's own route (traffic other
 * members send to M, and M's replies on streams they opened) and, when memberId is given, every
 * connection M itself opened to the other members' routes: rafthttp sends an `X-Server-From: <id>` header
 * on its stream and pipeline requests, which the proxy reads from the first bytes of each connection.
 * "Loss" cannot drop bytes inside TCP; it is modelled as what a loss costs TCP: the chunk is held for an
 * extra retransmission timeout (200 ms).
 */
import { createServer, connect, type Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Route { member: string; listen: number; target: number }
interface Fault { member: string; memberId?: string; delayMs: number; jitterMs: number; lossPct: number; until?: number }

const RETRANSMIT_MS = 200;

function parseArgs(argv: string[]): { control: number; routes: Route[] } {
  let control = 0;
  const routes: Route[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--control' && v) { control = Number(v); i++; }
    else if (a === '--route' && v) {
      const [member, listen, target] = v.split(':');
      if (!member || !listen || !target) throw new Error(`bad --route ${v}; want member:listen:target`);
      routes.push({ member, listen: Number(listen), target: Number(target) });
      i++;
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!control || routes.length === 0) throw new Error('usage: proxy.ts --control PORT --route member:listen:target ...');
  return { control, routes };
}

const faults = new Map<string, Fault>();
let openConnections = 0;
let totalConnections = 0;

function activeFaults(): Fault[] {
  const now = Date.now();
  for (const [k, f] of faults) if (f.until !== undefined && f.until < now) faults.delete(k);
  return [...faults.values()];
}

/** The fault that applies to a connection on `route`, opened by the member with id `fromId` (if known). */
function faultFor(route: Route, fromId: string | undefined): Fault | undefined {
  for (const f of activeFaults()) {
    if (f.member === route.member) return f;
    if (fromId !== undefined && f.memberId !== undefined && f.memberId === fromId) return f;
  }
  return undefined;
}

/**
 * Writes chunks to `dst` after the current delay, keeping their order: one FIFO and one timer per
 * direction, never a timer per chunk (Node does not promise that two timers due in the same millisecond
 * fire in the order they were set, and a single swapped chunk corrupts rafthttp's stateful msgappv2
 * stream). Jitter therefore stretches the stream rather than reordering bytes.
 */
class DelayPipe {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private lastRelease = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly src: Socket, private readonly dst: Socket, private readonly fault: () => Fault | undefined) {}

  push(chunk: Buffer): void {
    const f = this.fault();
    if (!f && this.queue.length === 0) {
      this.dst.write(chunk);
      return;
    }
    let delay = 0;
    if (f) {
      delay = f.delayMs + Math.random() * f.jitterMs;
      if (f.lossPct > 0 && Math.random() * 100 < f.lossPct) delay += RETRANSMIT_MS;
    }
    const at = Math.max(Date.now() + delay, this.lastRelease);
    this.lastRelease = at;
    this.queue.push({ at, chunk });
    // Hold back the sender while a lot is queued so memory stays bounded under a big delay.
    if (this.queue.length > 256) this.src.pause();
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const head = this.queue[0]!;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      while (this.queue.length > 0 && this.queue[0]!.at <= now) {
        const { chunk } = this.queue.shift()!;
        if (!this.dst.destroyed) this.dst.write(chunk);
      }
      if (this.queue.length < 64) this.src.resume();
      this.arm();
    }, Math.max(0, head.at - Date.now()));
  }
}

function serveRoute(route: Route): void {
  const server = createServer((client) => {
    openConnections++;
    totalConnections++;
    let fromId: string | undefined;
    let sniffed = '';
    const upstream = connect({ host: '127.0.0.1', port: route.target });
    const fault = (): Fault | undefined => faultFor(route, fromId);
    const toMember = new DelayPipe(client, upstream, fault);
    const fromMember = new DelayPipe(upstream, client, fault);
    client.on('data', (chunk: Buffer) => {
      if (fromId === undefined && sniffed.length < 8192) {
        sniffed += chunk.toString('latin1');
        const m = /\r\nX-Server-From: *([0-9a-fA-F]+)\r\n/i.exec(sniffed);
        if (m) fromId = m[1]?.toLowerCase();
      }
      toMember.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => fromMember.push(chunk));
    const close = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', () => { openConnections--; upstream.end(); });
    upstream.on('close', () => client.end());
  });
  server.on('error', (err) => { console.error(`route ${route.member} :${route.listen}: ${err.message}`); process.exit(1); });
  server.listen(route.listen, '127.0.0.1');
}

async function body(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text.length > 0 ? JSON.parse(text) : {};
}

function num(v: unknown, name: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
}

function control(port: number, routes: Route[]): void {
  const send = (res: ServerResponse, code: number, obj: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  const server = createHttpServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/state') {
          return send(res, 200, { faults: activeFaults(), openConnections, totalConnections, routes });
        }
        if (req.method === 'POST' && req.url === '/fault') {
          const b = (await body(req)) as Record<string, unknown>;
          const member = b.member;
          if (typeof member !== 'string' || !routes.some((r) => r.member === member)) throw new Error('member must name a route');
          const f: Fault = {
            member,
            delayMs: num(b.delayMs, 'delayMs'),
            jitterMs: num(b.jitterMs, 'jitterMs', 0),
            lossPct: num(b.lossPct, 'lossPct', 0),
          };
          if (typeof b.memberId === 'string') f.memberId = b.memberId.toLowerCase();
          if (b.durationS !== undefined) f.until = Date.now() + 1000 * num(b.durationS, 'durationS');
          faults.set(member, f);
          console.log(`${new Date().toISOString()} fault set ${JSON.stringify(f)}`);
          return send(res, 200, { ok: true, fault: f });
        }
        if (req.method === 'POST' && req.url === '/clear') {
          const b = (await body(req)) as Record<string, unknown>;
          if (typeof b.member === 'string') faults.delete(b.member);
          else faults.clear();
          console.log(`${new Date().toISOString()} faults cleared ${JSON.stringify(b)}`);
          return send(res, 200, { ok: true });
        }
        send(res, 404, { error: 'unknown endpoint' });
      } catch (err) {
        send(res, 400, { error: (err as Error).message });
      }
    })();
  });
  server.listen(port, '127.0.0.1');
}

const { control: controlPort, routes } = parseArgs(process.argv.slice(2));
for (const r of routes) serveRoute(r);
control(controlPort, routes);
console.log(`${new Date().toISOString()} proxy up: control :${controlPort}, routes ${routes.map((r) => `${r.member} :${r.listen}→:${r.target}`).join(', ')}`);
