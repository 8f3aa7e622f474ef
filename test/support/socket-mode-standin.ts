import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SlackStandin } from './slack-standin.js';
import { DEFAULT_COMMAND, type SlashCommandFields } from './slack-sign.js';

/**
 * Slack's side of Socket Mode, on 127.0.0.1, speaking the documented protocol: apps.connections.open (on
 * the Web API stand-in, with the app-level token) answers a one-time ws:// URL; a connection gets
 * `{type:"hello"}`; requests arrive as envelopes `{envelope_id, type, payload, accepts_response_payload}`
 * and are acknowledged by `{envelope_id, payload}`; `{type:"disconnect", reason}` asks the client to
 * reconnect; the server pings every few seconds. Like Slack, each envelope goes to ONE open connection
 * (round robin over the connections that said hello).
 */

export interface Ack {
  envelopeId: string;
  /** Which connection acknowledged (1, 2, … in connection order). */
  connection: number;
  payload: Record<string, unknown>;
  at: number;
}

interface Connection {
  id: number;
  socket: WebSocket;
  open: boolean;
}

export class SocketModeStandin {
  readonly acks: Ack[] = [];
  /** Every apps.connections.open answered. */
  opened = 0;
  private readonly connections: Connection[] = [];
  private nextConnection = 1;
  private roundRobin = 0;
  private readonly tickets = new Set<string>();
  private readonly pinger: NodeJS.Timeout;

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly port: number,
    readonly appToken: string,
  ) {
    this.pinger = setInterval(() => {
      for (const c of this.connections) if (c.open) c.socket.ping();
    }, 5000);
    this.pinger.unref();
  }

  /** Starts the WebSocket side and plugs apps.connections.open into the Web API stand-in. */
  static async attach(web: SlackStandin, appToken = 'xapp-1-A0ETCD-1-standin'): Promise<SocketModeStandin> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const standin = new SocketModeStandin(wss, (wss.address() as AddressInfo).port, appToken);
    wss.on('connection', (socket, req) => standin.accept(socket, req.url ?? ''));
    web.socketMode = {
      appToken,
      open: () => {
        const ticket = randomUUID();
        standin.tickets.add(ticket);
        standin.opened += 1;
        return { ok: true, url: `ws://127.0.0.1:${standin.port}/link/?ticket=${ticket}&app_id=A0ETCD` };
      },
    };
    return standin;
  }

  /** Connections that said hello and are still open. */
  openConnections(): number[] {
    return this.connections.filter((c) => c.open).map((c) => c.id);
  }

  /**
   * Sends a slash command as Slack does: one envelope to one open connection. Resolves with the ack
   * (the ephemeral answer travels in its payload), or rejects after `timeoutMs` without one.
   */
  async slashCommand(fields: Partial<SlashCommandFields>, opts: { to?: number; envelopeId?: string; timeoutMs?: number } = {}): Promise<Ack> {
    const envelopeId = opts.envelopeId ?? randomUUID();
    this.deliver({ envelope_id: envelopeId, type: 'slash_commands', accepts_response_payload: true, payload: { ...DEFAULT_COMMAND, ...fields } }, opts.to);
    return this.waitForAck(envelopeId, opts.timeoutMs ?? 5000);
  }

  /** Delivers an envelope as-is to connection `to` (default: the next in round robin). */
  deliver(envelope: Record<string, unknown>, to?: number): number {
    const open = this.connections.filter((c) => c.open);
    if (open.length === 0) throw new Error('no open Socket Mode connection');
    const target = to === undefined ? open[this.roundRobin++ % open.length]! : open.find((c) => c.id === to);
    if (target === undefined) throw new Error(`connection ${to} is not open`);
    target.socket.send(JSON.stringify(envelope));
    return target.id;
  }

  /** Slack's `disconnect` message (e.g. refresh_requested): the client should reconnect on its own. */
  askToReconnect(connection: number, reason = 'refresh_requested'): void {
    const c = this.connections.find((x) => x.id === connection && x.open);
    if (c === undefined) throw new Error(`connection ${connection} is not open`);
    c.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-standin' } }));
  }

  /** The connection breaks without a goodbye (a network failure, a Slack restart). */
  cut(connection: number): void {
    const c = this.connections.find((x) => x.id === connection && x.open);
    if (c === undefined) throw new Error(`connection ${connection} is not open`);
    c.socket.terminate();
  }

  acksOf(envelopeId: string): Ack[] {
    return this.acks.filter((a) => a.envelopeId === envelopeId);
  }

  async waitForAck(envelopeId: string, timeoutMs: number): Promise<Ack> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ack = this.acks.find((a) => a.envelopeId === envelopeId);
      if (ack !== undefined) return ack;
      if (Date.now() > deadline) throw new Error(`no ack for envelope ${envelopeId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.pinger);
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, url: string): void {
    const ticket = new URL(url, 'ws://standin').searchParams.get('ticket');
    // A URL from apps.connections.open works once, as Slack's do.
    if (ticket === null || !this.tickets.delete(ticket)) {
      socket.close(4001, 'invalid ticket');
      return;
    }
    const conn: Connection = { id: this.nextConnection++, socket, open: true };
    this.connections.push(conn);
    socket.on('close', () => (conn.open = false));
    socket.on('message', (data) => {
      let msg: { envelope_id?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return;
      }
      if (typeof msg.envelope_id !== 'string') return;
      this.acks.push({
        envelopeId: msg.envelope_id,
        connection: conn.id,
        payload: (msg.payload ?? {}) as Record<string, unknown>,
        at: Date.now(),
      });
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openConnections().length,
        debug_info: { host: 'applink-standin', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0ETCD' },
      }),
    );
  }
}
