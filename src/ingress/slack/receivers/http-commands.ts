import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { checkSlackSignature } from '../request-signature.js';
import type { EphemeralAnswer } from '../commands/slash-command-answer.js';

/** Slack's slash command payloads are a few hundred bytes plus the typed text, which Slack caps far below this. */
export const MAX_COMMAND_BODY_BYTES = 64 * 1024;

const FORM = 'application/x-www-form-urlencoded';

export interface CommandEndpointOptions {
  signingSecret: string;
  /** The slash command this endpoint answers (`/etcd`); any other goes to `passOn`. */
  commandName: string;
  answer: (payload: Record<string, string>) => Promise<EphemeralAnswer>;
  /** Bolt's own handling, for what this endpoint does not answer itself; the body is already read into `rawBody`. */
  passOn: (req: IncomingMessage & { rawBody: Buffer }, res: ServerResponse) => void;
  logger: Logger;
  maxBodyBytes?: number;
  now?: () => number;
}

export type CommandEndpoint = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * POST /slack/commands answered by the front itself rather than by Bolt's general request pipeline: the
 * acknowledgement is the user's answer and has a budget of a few milliseconds even in a burst of fifty,
 * and Bolt's receiver, middleware chain and listener matching cost more CPU per command than everything
 * else on the path together. The checks are the same as everywhere else Slack calls the bot (signature
 * and a timestamp at most five minutes off, see request-signature.ts), plus a size cap and the form
 * content type slash commands always have; the payload is then answered by the same code as in Socket
 * Mode (slash-command-answer.ts). Refusals answer with an empty body, as Bolt's receiver does.
 */
export function commandEndpoint(opts: CommandEndpointOptions): CommandEndpoint {
  const maxBytes = opts.maxBodyBytes ?? MAX_COMMAND_BODY_BYTES;
  const now = opts.now ?? Date.now;
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, why: string, close = false): void => {
    opts.logger.warn({ status, why }, 'slash command request refused');
    // After an oversize body the rest of it is not read: the connection is closed instead of drained.
    res.writeHead(status, close ? { connection: 'close' } : {}).end();
    req.resume();
  };

  return (req, res) => {
    const type = req.headers['content-type'];
    if (type === undefined || type.split(';', 1)[0]!.trim().toLowerCase() !== FORM) {
      refuse(req, res, 415, 'content type is not a form');
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > maxBytes) {
      refuse(req, res, 413, 'body over the size limit', true);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        refuse(req, res, 413, 'body over the size limit', true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      over = true;
    });
    req.on('end', () => {
      if (over) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      void handle(req, res, body);
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    // Slack checks the endpoint's certificate with an unsigned `ssl_check=1`: answered, nothing else read.
    if (form['ssl_check'] === '1') {
      res.writeHead(200).end();
      return;
    }
    const signed = checkSlackSignature(
      opts.signingSecret,
      { timestamp: req.headers['x-slack-request-timestamp'], signature: req.headers['x-slack-signature'] },
      body,
      now(),
    );
    if (!signed.ok) {
      refuse(req, res, 401, signed.problem);
      return;
    }
    if (form['command'] !== opts.commandName) {
      opts.passOn(Object.assign(req, { rawBody: body }), res);
      return;
    }
    let answer: EphemeralAnswer;
    try {
      answer = await opts.answer(form);
    } catch (err) {
      // answerSlashCommand never throws; should it, the user sees Slack's own failure, not a silent 200.
      opts.logger.error({ err }, 'slash command endpoint failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
      return;
    }
    const json = JSON.stringify(answer);
    // A known length: headers and body leave in one write, not as a chunked body (several buffers,
    // and a terminating chunk the client must parse). No Date header: Slack reads none.
    res.sendDate = false;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
  }
}
