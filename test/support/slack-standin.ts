import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in of the Slack Web API for tests: node:http on 127.0.0.1, speaking the wire format of
 * @slack/web-api 8 (URL-encoded forms, `Authorization: Bearer`, JSON-encoded `blocks`/`attachments`/
 * `files` fields). It records every call, keeps message state (so chat.update edits what history
 * returns), checks the token, enforces Slack's message limits, and can be scripted to fail the next
 * calls of a method with 429 + Retry-After, `{ok:false}` or HTTP 500. It also plays slash commands'
 * response_url and the files upload URL. Message metadata is kept as Slack keeps it (an edit that omits
 * it leaves it, `{}` removes it) and conversations.history pages as documented (newest first, oldest/
 * latest/inclusive, limit, cursor; metadata only with include_all_metadata), conversations.replies
 * likewise (the root first, then the replies oldest first). `beforeAnswer` lets a test
 * act after a call took effect and before its answer leaves (e.g. kill the bot right there).
 */

export type Args = Record<string, unknown>;

export interface RecordedCall {
  method: string;
  args: Args;
  /** Date.now() when the request arrived. */
  at: number;
  /** What the stand-in answered. */
  status: number;
  response: Args;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** Every text the message has had, the original first. */
  history: string[];
  /** Message metadata as posted (chat.postMessage / chat.update `metadata`). */
  metadata?: MessageMetadata;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Args;
}

/**
 * Runs when a call of its method has been handled (a posted message is stored) and before the answer
 * goes out; the answer waits for it. A test uses it to act at exactly that point, e.g. to kill the bot
 * after Slack accepted a message and before the bot could read the answer.
 */
export type AnswerHook = (call: { method: string; args: Args; response: Args }) => void | Promise<void>;

export interface StoredFile {
  id: string;
  filename: string;
  content?: Buffer;
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
  title?: string;
  /** The ts of the message that shares the file into its channel or thread, once completed. */
  shared_ts?: string;
}

export type Failure =
  | { kind: 'rate-limited'; retryAfter: number }
  | { kind: 'error'; error: string }
  | { kind: 'http'; status: number };

interface ScriptedFailure {
  method: string;
  remaining: number;
  failure: Failure;
  when?: (args: Args) => boolean;
}

export interface StandinOptions {
  token?: string;
  /** When set, posting to a channel outside this list answers channel_not_found. */
  channels?: string[];
  port?: number;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'metadata', 'unfurl_links_json']);

/** Slack's limits as seen in practice (see STACK-NOTES): beyond them the API refuses the message. */
export const STANDIN_LIMITS = { maxBlocks: 50, maxSectionText: 3000, maxBlocksJson: 13_000, maxText: 40_000 };

export class SlackStandin {
  readonly calls: RecordedCall[] = [];
  readonly token: string;
  private readonly server: Server;
  private readonly port: number;
  private readonly messagesByKey = new Map<string, StoredMessage>();
  private readonly files = new Map<string, StoredFile>();
  private readonly groups = new Map<string, string[]>();
  private scripts: ScriptedFailure[] = [];
  private lastTsMicros = 0;
  private fileSeq = 0;
  private channels: Set<string> | undefined;
  private waiters: Array<{ pred: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }> = [];
  private answerHooks: Array<{ method: string; hook: AnswerHook }> = [];
  /** Set by the Socket Mode stand-in (socket-mode-standin.ts): answers apps.connections.open. */
  socketMode: { appToken: string; open: () => Args } | undefined;

  private constructor(server: Server, port: number, opts: StandinOptions) {
    this.server = server;
    this.port = port;
    this.token = opts.token ?? 'xoxb-test-token';
    this.channels = opts.channels === undefined ? undefined : new Set(opts.channels);
  }

  static async start(opts: StandinOptions = {}): Promise<SlackStandin> {
    let standin: SlackStandin | undefined;
    const server = createServer((req, res) => {
      if (standin === undefined) {
        res.writeHead(503).end();
        return;
      }
      standin.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    standin = new SlackStandin(server, port, opts);
    return standin;
  }

  /** Base URL for WebClient's slackApiUrl. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A response_url for one slash command; POSTs to it are recorded under method 'response_url'. */
  responseUrl(id = 'cmd'): string {
    return `${this.origin}/response/${encodeURIComponent(id)}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- scripting --------------------------------------------------------------------------------

  /** The next `n` calls of `method` (matching `when`, if given) fail as described. */
  failNext(method: string, n: number, failure: Failure, when?: (args: Args) => boolean): void {
    this.scripts.push({ method, remaining: n, failure, ...(when === undefined ? {} : { when }) });
  }

  /** Runs `hook` on every handled call of `method` before its answer is sent; returns its removal. */
  beforeAnswer(method: string, hook: AnswerHook): () => void {
    const entry = { method, hook };
    this.answerHooks.push(entry);
    return () => {
      this.answerHooks = this.answerHooks.filter((h) => h !== entry);
    };
  }

  setUserGroup(id: string, users: string[]): void {
    this.groups.set(id, [...users]);
  }

  setChannels(channels: string[] | undefined): void {
    this.channels = channels === undefined ? undefined : new Set(channels);
  }

  /** Forgets recorded calls, messages, files and scripts (keeps user groups and the token). */
  reset(): void {
    this.calls.length = 0;
    this.messagesByKey.clear();
    this.files.clear();
    this.scripts = [];
  }

  // ---- queries ----------------------------------------------------------------------------------

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Successful calls of a method, in arrival order. */
  okCallsOf(method: string): RecordedCall[] {
    return this.callsOf(method).filter((c) => c.status === 200 && c.response['ok'] === true);
  }

  /** Top-level messages (not thread replies) in their current state, oldest first. */
  messages(channel?: string): StoredMessage[] {
    return this.allMessages().filter(
      (m) => (channel === undefined || m.channel === channel) && m.thread_ts === undefined,
    );
  }

  /** Like conversations.history: top-level messages of a channel, newest first, current state. */
  history(channel: string): StoredMessage[] {
    return this.messages(channel).reverse();
  }

  threadReplies(channel: string, ts: string): StoredMessage[] {
    return this.allMessages().filter((m) => m.channel === channel && m.thread_ts === ts);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messagesByKey.get(key(channel, ts));
  }

  /** Successful chat.update calls on one message, in order. */
  updatesOf(channel: string, ts: string): RecordedCall[] {
    return this.okCallsOf('chat.update').filter((c) => c.args['channel'] === channel && c.args['ts'] === ts);
  }

  ephemerals(channel?: string): RecordedCall[] {
    return this.okCallsOf('chat.postEphemeral').filter((c) => channel === undefined || c.args['channel'] === channel);
  }

  /** JSON bodies POSTed to response_url(s), optionally for one id. */
  responseUrlPosts(id?: string): RecordedCall[] {
    return this.callsOf('response_url').filter((c) => id === undefined || c.args['_id'] === id);
  }

  uploadedFiles(channel?: string): StoredFile[] {
    return [...this.files.values()].filter((f) => channel === undefined || f.channel === channel);
  }

  /** Resolves with the first recorded call (past or future) that matches. */
  waitForCall(pred: (c: RecordedCall) => boolean, timeoutMs = 5000): Promise<RecordedCall> {
    const past = this.calls.find(pred);
    if (past !== undefined) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (c: RecordedCall) => {
          clearTimeout(timer);
          resolve(c);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching Slack call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private allMessages(): StoredMessage[] {
    return [...this.messagesByKey.values()].sort((a, b) => compareTs(a.ts, b.ts));
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', this.origin);
    const raw = await readBody(req);

    if (url.pathname.startsWith('/response/')) {
      const id = decodeURIComponent(url.pathname.slice('/response/'.length));
      let body: Args;
      try {
        body = JSON.parse(raw.toString('utf8')) as Args;
      } catch {
        return this.reply(res, { method: 'response_url', args: { _id: id }, at }, 400, { ok: false, error: 'invalid_json' });
      }
      const failure = this.takeFailure('response_url', body);
      if (failure !== undefined) return this.fail(res, { method: 'response_url', args: { ...body, _id: id }, at }, failure);
      return this.reply(res, { method: 'response_url', args: { ...body, _id: id }, at }, 200, { ok: true });
    }

    if (url.pathname.startsWith('/upload/')) {
      const id = decodeURIComponent(url.pathname.slice('/upload/'.length));
      const file = this.files.get(id);
      const form = await new Request(url, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: raw,
      }).formData().catch(() => undefined);
      const part = form?.get('body');
      if (file === undefined || part === undefined || part === null) {
        return this.reply(res, { method: 'files.upload_url', args: { id }, at }, 400, { ok: false, error: 'bad_upload' });
      }
      file.content = typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
      return this.reply(res, { method: 'files.upload_url', args: { id, bytes: file.content.length }, at }, 200, { ok: true });
    }

    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    const args = parseForm(raw.toString('utf8'));
    const call = { method, args, at };

    const auth = req.headers.authorization;
    if (auth === undefined) return this.reply(res, call, 200, { ok: false, error: 'not_authed' });
    // Socket Mode: apps.connections.open takes the app-level token, and only that (as Slack does).
    if (method === 'apps.connections.open') {
      if (this.socketMode === undefined) return this.reply(res, call, 200, { ok: false, error: 'unknown_method' });
      if (auth === `Bearer ${this.token}`) return this.reply(res, call, 200, { ok: false, error: 'not_allowed_token_type' });
      if (auth !== `Bearer ${this.socketMode.appToken}`) return this.reply(res, call, 200, { ok: false, error: 'invalid_auth' });
      const failure = this.takeFailure(method, args);
      if (failure !== undefined) return this.fail(res, call, failure);
      return this.reply(res, call, 200, this.socketMode.open());
    }
    if (auth !== `Bearer ${this.token}`) return this.reply(res, call, 200, { ok: false, error: 'invalid_auth' });

    const failure = this.takeFailure(method, args);
    if (failure !== undefined) return this.fail(res, call, failure);

    const handler = this.methods[method];
    if (handler === undefined) return this.reply(res, call, 200, { ok: false, error: 'unknown_method' });
    const response = handler(args);
    for (const { hook } of this.answerHooks.filter((h) => h.method === method)) await hook({ method, args, response });
    return this.reply(res, call, 200, response);
  }

  private takeFailure(method: string, args: Args): Failure | undefined {
    const script = this.scripts.find((s) => s.method === method && s.remaining > 0 && (s.when?.(args) ?? true));
    if (script === undefined) return undefined;
    script.remaining -= 1;
    return script.failure;
  }

  private fail(res: ServerResponse, call: Omit<RecordedCall, 'status' | 'response'>, failure: Failure): void {
    switch (failure.kind) {
      case 'rate-limited':
        return this.reply(res, call, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter) });
      case 'error':
        return this.reply(res, call, 200, { ok: false, error: failure.error });
      case 'http':
        return this.reply(res, call, failure.status, { ok: false, error: 'internal_error' });
    }
  }

  private reply(
    res: ServerResponse,
    call: Omit<RecordedCall, 'status' | 'response'>,
    status: number,
    response: Args,
    headers: Record<string, string> = {},
  ): void {
    const recorded: RecordedCall = { ...call, status, response };
    this.calls.push(recorded);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(response));
    for (const w of this.waiters.filter((x) => x.pred(recorded))) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(recorded);
    }
  }

  // ---- methods ----------------------------------------------------------------------------------

  private readonly methods: Record<string, (args: Args) => Args> = {
    'auth.test': () => ({ ok: true, url: 'https://standin.slack.com/', team: 'Standin', user: 'etcd-triage', team_id: 'T0STANDIN', user_id: 'U0BOT', bot_id: 'B0BOT' }),

    'chat.postMessage': (a) => {
      const channel = str(a['channel']);
      if (channel === undefined || (this.channels !== undefined && !this.channels.has(channel))) {
        return { ok: false, error: 'channel_not_found' };
      }
      const invalid = checkContent(a);
      if (invalid !== undefined) return { ok: false, error: invalid };
      const thread = str(a['thread_ts']);
      if (thread !== undefined && !this.messagesByKey.has(key(channel, thread))) {
        return { ok: false, error: 'thread_not_found' };
      }
      const metadata = parseMetadata(a['metadata']);
      if (metadata === 'invalid') return { ok: false, error: 'invalid_metadata_format' };
      const ts = this.nextTs();
      const msg: StoredMessage = {
        channel,
        ts,
        text: str(a['text']) ?? '',
        history: [str(a['text']) ?? ''],
        ...(thread === undefined ? {} : { thread_ts: thread }),
        ...(Array.isArray(a['blocks']) ? { blocks: a['blocks'] } : {}),
        ...(metadata === undefined || metadata === 'remove' ? {} : { metadata }),
      };
      this.messagesByKey.set(key(channel, ts), msg);
      return { ok: true, channel, ts, message: { text: msg.text, ts, ...(thread === undefined ? {} : { thread_ts: thread }) } };
    },

    'chat.update': (a) => {
      const channel = str(a['channel']);
      const ts = str(a['ts']);
      const msg = channel === undefined || ts === undefined ? undefined : this.messagesByKey.get(key(channel, ts));
      if (msg === undefined) return { ok: false, error: 'message_not_found' };
      const invalid = checkContent(a);
      if (invalid !== undefined) return { ok: false, error: invalid };
      // Slack keeps a message's metadata when an edit does not mention it; `{}` removes it.
      const metadata = parseMetadata(a['metadata']);
      if (metadata === 'invalid') return { ok: false, error: 'invalid_metadata_format' };
      if (metadata === 'remove') delete msg.metadata;
      else if (metadata !== undefined) msg.metadata = metadata;
      if (a['text'] !== undefined) msg.text = str(a['text']) ?? '';
      if (Array.isArray(a['blocks'])) msg.blocks = a['blocks'];
      msg.history.push(msg.text);
      return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text };
    },

    'chat.postEphemeral': (a) => {
      const channel = str(a['channel']);
      if (channel === undefined || (this.channels !== undefined && !this.channels.has(channel))) {
        return { ok: false, error: 'channel_not_found' };
      }
      if (str(a['user']) === undefined) return { ok: false, error: 'user_not_in_channel' };
      const invalid = checkContent(a);
      if (invalid !== undefined) return { ok: false, error: invalid };
      return { ok: true, message_ts: this.nextTs() };
    },

    'chat.getPermalink': (a) => {
      const channel = str(a['channel']);
      const ts = str(a['message_ts']);
      if (channel === undefined || ts === undefined || !this.messagesByKey.has(key(channel, ts))) {
        return { ok: false, error: 'message_not_found' };
      }
      return { ok: true, channel, permalink: `https://standin.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
    },

    'conversations.history': (a) => {
      // As documented: newest first; `oldest`/`latest` bound by ts (exclusive unless `inclusive`);
      // `limit` (default 100, at most 999) per page; `cursor` from response_metadata.next_cursor;
      // metadata only with include_all_metadata.
      const channel = str(a['channel']);
      if (channel === undefined || (this.channels !== undefined && !this.channels.has(channel))) {
        return { ok: false, error: 'channel_not_found' };
      }
      const limit = a['limit'] === undefined ? 100 : Number(a['limit']);
      if (!Number.isInteger(limit) || limit < 1) return { ok: false, error: 'invalid_limit' };
      const inclusive = truthy(a['inclusive']);
      const oldest = str(a['oldest']);
      const latest = str(a['latest']);
      let before: string | undefined;
      const cursor = str(a['cursor']);
      if (cursor !== undefined) {
        before = Buffer.from(cursor, 'base64').toString('utf8').replace(/^next_ts:/, '');
        if (!/^\d+\.\d{6}$/.test(before)) return { ok: false, error: 'invalid_cursor' };
      }
      const within = this.history(channel).filter(
        (m) =>
          (oldest === undefined || (inclusive ? compareTs(m.ts, oldest) >= 0 : compareTs(m.ts, oldest) > 0)) &&
          (latest === undefined || (inclusive ? compareTs(m.ts, latest) <= 0 : compareTs(m.ts, latest) < 0)) &&
          (before === undefined || compareTs(m.ts, before) <= 0),
      );
      const page = within.slice(0, Math.min(limit, 999));
      const next = within[page.length];
      const withMetadata = truthy(a['include_all_metadata']);
      return {
        ok: true,
        messages: page.map((m) => ({ ...publicMessage(m), ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}) })),
        has_more: next !== undefined,
        pin_count: 0,
        ...(next === undefined ? {} : { response_metadata: { next_cursor: Buffer.from(`next_ts:${next.ts}`).toString('base64') } }),
      };
    },

    'conversations.replies': (a) => {
      // As documented: the thread of `ts` (its root, or any message of it), oldest first, the root first;
      // `oldest`/`latest` bound the replies by ts (exclusive unless `inclusive`); `limit` (default and
      // at most 1000) per page, the root counted on the first; `cursor` from response_metadata.next_cursor;
      // metadata only with include_all_metadata.
      const channel = str(a['channel']);
      if (channel === undefined || (this.channels !== undefined && !this.channels.has(channel))) {
        return { ok: false, error: 'channel_not_found' };
      }
      const ts = str(a['ts']);
      const asked = ts === undefined ? undefined : this.messagesByKey.get(key(channel, ts));
      if (asked === undefined) return { ok: false, error: 'thread_not_found' };
      const root = asked.thread_ts === undefined ? asked : this.messagesByKey.get(key(channel, asked.thread_ts));
      if (root === undefined) return { ok: false, error: 'thread_not_found' };
      const limit = a['limit'] === undefined ? 1000 : Number(a['limit']);
      if (!Number.isInteger(limit) || limit < 1) return { ok: false, error: 'invalid_limit' };
      const inclusive = truthy(a['inclusive']);
      const oldest = str(a['oldest']);
      const latest = str(a['latest']);
      let after: string | undefined;
      const cursor = str(a['cursor']);
      if (cursor !== undefined) {
        after = Buffer.from(cursor, 'base64').toString('utf8').replace(/^next_ts:/, '');
        if (!/^\d+\.\d{6}$/.test(after)) return { ok: false, error: 'invalid_cursor' };
      }
      // As in Slack, a file shared into the thread is one of its messages (not in threadReplies(), which
      // lists the messages posted with chat.postMessage).
      const shares = [...this.files.values()]
        .filter((f) => f.channel === channel && f.thread_ts === root.ts && f.shared_ts !== undefined)
        .map((f) => ({ ts: f.shared_ts!, thread_ts: root.ts, file: f }));
      const replies = [...this.threadReplies(channel, root.ts), ...shares].sort((x, y) => compareTs(x.ts, y.ts)).filter(
        (m) =>
          (oldest === undefined || (inclusive ? compareTs(m.ts, oldest) >= 0 : compareTs(m.ts, oldest) > 0)) &&
          (latest === undefined || (inclusive ? compareTs(m.ts, latest) <= 0 : compareTs(m.ts, latest) < 0)) &&
          (after === undefined || compareTs(m.ts, after) >= 0),
      );
      const within = after === undefined ? [root, ...replies] : replies;
      const page = within.slice(0, Math.min(limit, 1000));
      const next = within[page.length];
      const withMetadata = truthy(a['include_all_metadata']);
      return {
        ok: true,
        messages: page.map((m) =>
          'file' in m
            ? fileShareMessage(m.file, m.ts)
            : { ...publicMessage(m), ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}) },
        ),
        has_more: next !== undefined,
        ...(next === undefined ? {} : { response_metadata: { next_cursor: Buffer.from(`next_ts:${next.ts}`).toString('base64') } }),
      };
    },

    'views.publish': (a) => {
      const user = str(a['user_id']);
      if (user === undefined) return { ok: false, error: 'invalid_arguments' };
      const view = typeof a['view'] === 'string' ? (JSON.parse(a['view']) as Args) : (a['view'] as Args | undefined);
      if (view === undefined || view['type'] !== 'home') return { ok: false, error: 'invalid_arguments' };
      const blocks = Array.isArray(view['blocks']) ? view['blocks'] : [];
      if (blocks.length > 100) return { ok: false, error: 'invalid_blocks' };
      return { ok: true, view: { id: `V${user}`, type: 'home', blocks } };
    },

    'usergroups.users.list': (a) => {
      const users = this.groups.get(str(a['usergroup']) ?? '');
      if (users === undefined) return { ok: false, error: 'no_such_subteam' };
      return { ok: true, users };
    },

    'files.getUploadURLExternal': (a) => {
      const filename = str(a['filename']);
      const length = Number(a['length']);
      if (filename === undefined || !Number.isFinite(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
      this.fileSeq += 1;
      const id = `F${String(this.fileSeq).padStart(8, '0')}`;
      this.files.set(id, { id, filename });
      return { ok: true, upload_url: `${this.origin}/upload/${id}`, file_id: id };
    },

    'files.completeUploadExternal': (a) => {
      const list = a['files'];
      if (!Array.isArray(list) || list.length === 0) return { ok: false, error: 'invalid_arguments' };
      const channel = str(a['channel_id']);
      if (channel !== undefined && this.channels !== undefined && !this.channels.has(channel)) {
        return { ok: false, error: 'channel_not_found' };
      }
      const done: Args[] = [];
      for (const entry of list as Args[]) {
        const file = this.files.get(str(entry['id']) ?? '');
        if (file?.content === undefined) return { ok: false, error: 'file_not_found' };
        const title = str(entry['title']);
        const thread = str(a['thread_ts']);
        const comment = str(a['initial_comment']);
        Object.assign(file, {
          // As in Slack, completing an upload into a channel posts a message sharing the file there.
          ...(channel === undefined ? {} : { channel, shared_ts: this.nextTs() }),
          ...(thread === undefined ? {} : { thread_ts: thread }),
          ...(comment === undefined ? {} : { initial_comment: comment }),
          ...(title === undefined ? {} : { title }),
        });
        done.push({ id: file.id, name: file.filename, title: title ?? file.filename });
      }
      return { ok: true, files: done };
    },
  };

  /** Unique, strictly increasing Slack-style timestamps ("seconds.micros"). */
  private nextTs(): string {
    const now = Date.now() * 1000;
    this.lastTsMicros = Math.max(now, this.lastTsMicros + 1);
    const us = this.lastTsMicros;
    return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  }
}

function key(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(af) - Number(bf);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

/** chat.postMessage / chat.update `metadata`: absent, `{}` (remove), an event, or not valid. */
function parseMetadata(v: unknown): MessageMetadata | 'remove' | 'invalid' | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'invalid';
  const m = v as Args;
  if (Object.keys(m).length === 0) return 'remove';
  const type = m['event_type'];
  const payload = m['event_payload'];
  if (typeof type !== 'string' || type.length === 0 || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'invalid';
  return { event_type: type, event_payload: payload as Args };
}

/** The message sharing a file into a thread, as conversations.replies lists it. */
function fileShareMessage(f: StoredFile, ts: string): Args {
  return { type: 'message', ts, ...(f.thread_ts === undefined ? {} : { thread_ts: f.thread_ts }), text: '', files: [{ id: f.id, name: f.filename, title: f.title ?? f.filename }] };
}

function publicMessage(m: StoredMessage): Args {
  return { type: 'message', ts: m.ts, text: m.text, ...(m.thread_ts === undefined ? {} : { thread_ts: m.thread_ts }), ...(m.blocks === undefined ? {} : { blocks: m.blocks }) };
}

function parseForm(body: string): Args {
  const args: Args = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (JSON_FIELDS.has(k)) {
      try {
        args[k] = JSON.parse(v) as unknown;
        continue;
      } catch {
        args[k] = { _invalidJson: v };
        continue;
      }
    }
    args[k] = v;
  }
  return args;
}

/** The checks Slack applies to a message's text and blocks; returns Slack's error code or undefined. */
function checkContent(a: Args): string | undefined {
  const text = a['text'];
  const blocks = a['blocks'];
  if (typeof text === 'string' && text.length > STANDIN_LIMITS.maxText) return 'msg_too_long';
  if (blocks === undefined) return typeof text === 'string' && text.length > 0 ? undefined : 'no_text';
  if (!Array.isArray(blocks)) return 'invalid_blocks';
  if (blocks.length > STANDIN_LIMITS.maxBlocks) return 'invalid_blocks';
  for (const b of blocks as Args[]) {
    if (typeof b !== 'object' || b === null || typeof b['type'] !== 'string') return 'invalid_blocks';
    const t = b['text'];
    if (b['type'] === 'section' && typeof t === 'object' && t !== null) {
      const s = (t as Args)['text'];
      if (typeof s === 'string' && s.length > STANDIN_LIMITS.maxSectionText) return 'invalid_blocks';
    }
  }
  if (JSON.stringify(blocks).length > STANDIN_LIMITS.maxBlocksJson) return 'msg_blocks_too_long';
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The metadata key a call's message was posted with (`metadata.event_payload.key`), if any. The stand-in
 * hands a call's fields over as sent: metadata as JSON text, or already parsed.
 */
export function metadataKeyOf(args: Record<string, unknown>): string | undefined {
  const m = args['metadata'];
  const parsed = (typeof m === 'string' ? JSON.parse(m) : m) as { event_payload?: { key?: unknown } } | undefined;
  const key = parsed?.event_payload?.key;
  return typeof key === 'string' ? key : undefined;
}
