import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { ChannelPacer } from './channel-pacer.js';
import { asCodedError } from './errors.js';
import { sendWithFallback } from './malformed-fallback.js';
import { fitMessage, TRIM_NOTICE_EDITED, TRIM_NOTICE_POSTED, type KnownBlock } from './message-limits.js';
import { fileInPage, historyOldest, historyPageSchema, parentInPage, replyInPage, type HistoryPage, type ParentMetadata } from './parent-metadata.js';
import { DEFAULT_RETRY_POLICY, withSlackRetry, type FailureKind, type RetryPolicy } from './retry.js';
import { slackLogger } from './slack-logger.js';

/**
 * The bot's way of talking to Slack from workers.
 *
 * - New messages (postMessage, uploadFile) go through a per-channel pacer: at most one per second per
 *   channel, in order, with channels independent of each other.
 * - Every call is retried by us (Retry-After on 429, backoff on 5xx/network, bounded attempts); the
 *   SDK's own retry and global 429 pause are off.
 * - Failures leave as coded errors (errors.ts): PermanentSlackError (do not retry), RetriesExhaustedError
 *   (retry later), UnknownDeliveryError.
 * - Messages over Slack's limits are trimmed, never refused (see message-limits.ts); a message Slack
 *   refuses for its content anyway is replaced by its plain version (malformed-fallback.ts), so that a
 *   thread never waits behind it.
 */

export interface SlackDeliveryOptions {
  botToken: string;
  /** Web API base URL ending in '/'; default https://slack.com/api/. */
  slackApiUrl?: string;
  logger: Logger;
  /** Share one pacer between everything that posts for this workspace. */
  pacer?: ChannelPacer;
  retry?: Partial<RetryPolicy>;
  /** Per HTTP request. Default 10 s. */
  requestTimeoutMs?: number;
  /** Metrics hook: every failed Web API attempt, by method and Slack error. */
  onApiError?: (event: { method: string; error: string; final: boolean }) => void;
}

export interface PostMessageArgs {
  channel: string;
  /** Notification and accessibility fallback; always set it. */
  text: string;
  blocks?: KnownBlock[];
  /** Reply in this thread. */
  thread_ts?: string;
  /** Marks a parent (or a keyed thread reply) so that a retry can find it again (parent-metadata.ts). */
  metadata?: ParentMetadata;
}

export interface PostMessageResult {
  channel: string;
  ts: string;
  /** The message was over Slack's limits and was sent trimmed. */
  trimmed: boolean;
  /** When trimmed: the attached full-output file, or why attaching it failed. */
  overflow?: { fileId: string } | { error: string };
  /** Slack refused the message for its content (this error) and its plain version was posted instead. */
  fallback?: string;
}

export interface UpdateArgs {
  channel: string;
  ts: string;
  text: string;
  blocks?: KnownBlock[];
}

export interface EphemeralArgs {
  channel: string;
  user: string;
  text: string;
  blocks?: KnownBlock[];
  thread_ts?: string;
}

export interface UploadFileArgs {
  channel: string;
  thread_ts?: string;
  filename: string;
  content: string | Buffer;
  title?: string;
  initialComment?: string;
}

export class SlackDelivery {
  readonly pacer: ChannelPacer;
  private readonly client: webApi.WebClient;
  private readonly policy: RetryPolicy;
  private readonly logger: Logger;
  private readonly timeoutMs: number;

  constructor(private readonly opts: SlackDeliveryOptions) {
    this.pacer = opts.pacer ?? new ChannelPacer();
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.logger = opts.logger.child({ component: 'slack-delivery' });
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.client = new webApi.WebClient(opts.botToken, {
      slackApiUrl: opts.slackApiUrl ?? 'https://slack.com/api/',
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: this.timeoutMs,
      logger: slackLogger(opts.logger),
    });
  }

  async postMessage(args: PostMessageArgs): Promise<PostMessageResult> {
    const fitted = fitMessage(args.text, args.blocks, TRIM_NOTICE_POSTED);
    const alreadyPosted = this.earlierAttemptLookup(args);
    const sent = await sendWithFallback((m) => this.paced('chat.postMessage', args.channel, async () => {
      const ts = await alreadyPosted();
      if (ts !== undefined) return { ok: true, channel: args.channel, ts };
      return this.client.chat.postMessage({
        channel: args.channel,
        text: m.text,
        ...(m.blocks === undefined ? {} : { blocks: m.blocks }),
        ...(args.thread_ts === undefined ? {} : { thread_ts: args.thread_ts }),
        ...(args.metadata === undefined ? {} : { metadata: args.metadata }),
        unfurl_links: false,
        unfurl_media: false,
      });
    }), fitted, (error) => this.logger.error({ channel: args.channel, error }, 'Slack refused a message for its content: posting its plain version instead'));
    const res = sent.result;
    const ts = res.ts;
    if (ts === undefined) throw asCodedError(new Error('chat.postMessage answered without ts'));
    const channel = res.channel ?? args.channel;
    const fallback = sent.fallback === undefined ? {} : { fallback: sent.fallback };
    if (!fitted.trimmed) return { channel, ts, trimmed: false, ...fallback };

    this.logger.warn({ channel, ts }, 'message over Slack limits: sent trimmed, attaching the full output');
    try {
      const { fileId } = await this.uploadFile({
        channel,
        thread_ts: args.thread_ts ?? ts,
        filename: 'full-output.txt',
        title: 'Full output',
        content: fitted.fullText ?? args.text,
      });
      return { channel, ts, trimmed: true, overflow: { fileId }, ...fallback };
    } catch (err) {
      // The message itself is posted: failing now would make a retry post it twice.
      this.logger.error({ err, channel, ts }, 'could not attach the full output of a trimmed message');
      return { channel, ts, trimmed: true, overflow: { error: asCodedError(err).message }, ...fallback };
    }
  }

  /**
   * For the attempts of one post: resolves with the ts of the message when an earlier attempt of this
   * message reached Slack although its answer was lost (5xx, network, timeout), so a retry does not post
   * it twice; undefined on the first attempt, for a message without a key, or when it is not found or
   * cannot be looked up (no history scope): then the attempt posts. A keyed thread reply is looked for
   * in its thread, a parent in the channel's history.
   */
  private earlierAttemptLookup(args: PostMessageArgs): () => Promise<string | undefined> {
    const since = Date.now();
    let attempts = 0;
    return async () => {
      if (args.metadata === undefined || attempts++ === 0) return undefined;
      const key = args.metadata.event_payload.key;
      const thread = args.thread_ts;
      const found = thread === undefined ? this.findParent(args.channel, key, since) : this.findReply(args.channel, thread, key, since);
      const ts = await found.catch(() => undefined);
      if (ts !== undefined) this.logger.warn({ channel: args.channel, ts }, 'message accepted by Slack on an attempt whose answer was lost: not posted again');
      return ts;
    };
  }

  /** Edits a message in place; not paced (an edit is not a new message). */
  async update(args: UpdateArgs): Promise<{ trimmed: boolean; fallback?: string }> {
    const fitted = fitMessage(args.text, args.blocks, TRIM_NOTICE_EDITED);
    if (fitted.trimmed) this.logger.warn({ channel: args.channel, ts: args.ts }, 'edit over Slack limits: sent trimmed');
    const sent = await sendWithFallback((m) => this.retried('chat.update', args.channel, () =>
      this.client.chat.update({
        channel: args.channel,
        ts: args.ts,
        text: m.text,
        ...(m.blocks === undefined ? {} : { blocks: m.blocks }),
      }),
    ), fitted, (error) => this.logger.error({ channel: args.channel, ts: args.ts, error }, 'Slack refused an edit for its content: editing in its plain version instead'), []);
    return { trimmed: fitted.trimmed, ...(sent.fallback === undefined ? {} : { fallback: sent.fallback }) };
  }

  async postEphemeral(args: EphemeralArgs): Promise<{ messageTs?: string }> {
    const fitted = fitMessage(args.text, args.blocks, TRIM_NOTICE_EDITED);
    const res = await this.retried('chat.postEphemeral', args.channel, () =>
      this.client.chat.postEphemeral({
        channel: args.channel,
        user: args.user,
        text: fitted.text,
        ...(fitted.blocks === undefined ? {} : { blocks: fitted.blocks }),
        ...(args.thread_ts === undefined ? {} : { thread_ts: args.thread_ts }),
      }),
    );
    return res.message_ts === undefined ? {} : { messageTs: res.message_ts };
  }

  /** files.uploadV2 (get URL, upload bytes, complete into the channel/thread); paced as a new message. */
  async uploadFile(args: UploadFileArgs): Promise<{ fileId: string }> {
    const common = {
      channel_id: args.channel,
      filename: args.filename,
      file: typeof args.content === 'string' ? Buffer.from(args.content, 'utf8') : args.content,
      ...(args.title === undefined ? {} : { title: args.title }),
      ...(args.initialComment === undefined ? {} : { initial_comment: args.initialComment }),
    };
    const threadTs = args.thread_ts;
    const res = await this.paced('files.uploadV2', args.channel, () =>
      this.client.files.uploadV2(threadTs === undefined ? common : { ...common, thread_ts: threadTs }),
    );
    const fileId = firstFileId(res);
    if (fileId === undefined) throw asCodedError(new Error('files.uploadV2 answered without a file id'));
    return { fileId };
  }

  /** Publishes a user's Home tab (views.publish): replaces what the tab shows. */
  async publishHome(userId: string, view: { type: 'home'; blocks: KnownBlock[] }): Promise<void> {
    await this.retried('views.publish', userId, () => this.client.views.publish({ user_id: userId, view }));
  }

  /** Members of a Slack user group (usergroups.users.list). */
  async userGroupMembers(groupId: string): Promise<string[]> {
    const res = await this.retried('usergroups.users.list', groupId, () => this.client.usergroups.users.list({ usergroup: groupId }));
    return res.users ?? [];
  }

  async getPermalink(channel: string, ts: string): Promise<string> {
    const res = await this.retried('chat.getPermalink', channel, () =>
      this.client.chat.getPermalink({ channel, message_ts: ts }),
    );
    if (res.permalink === undefined) throw asCodedError(new Error('chat.getPermalink answered without permalink'));
    return res.permalink;
  }

  /**
   * The ts of the top-level message posted since `sinceMs` whose metadata carries this parent key, or
   * undefined. Reads the channel's history newest first (conversations.history with its metadata,
   * bounded to `maxPages` pages); needs the channels:history scope (groups:history in private channels).
   * Failures leave as coded errors, like every other call: the caller decides what to do without it.
   */
  async findParent(channel: string, key: string, sinceMs: number, limits = { pageSize: 200, maxPages: 5 }): Promise<string | undefined> {
    const oldest = historyOldest(sinceMs);
    return this.searchPages('conversations.history', channel, key, limits, (cursor) =>
      this.client.conversations.history({ channel, oldest, include_all_metadata: true, limit: limits.pageSize, ...(cursor === undefined ? {} : { cursor }) }),
      (page) => parentInPage(page, key),
    );
  }

  /**
   * Like findParent, for a message posted into the thread `threadTs` (a reply carrying metadata, such as
   * a Re-run's answer): reads the thread oldest first (conversations.replies with its metadata, from
   * `sinceMs` less the clock margin); the same scopes as history.
   */
  async findReply(channel: string, threadTs: string, key: string, sinceMs: number, limits = { pageSize: 200, maxPages: 5 }): Promise<string | undefined> {
    const oldest = historyOldest(sinceMs);
    return this.searchPages('conversations.replies', channel, key, limits, (cursor) =>
      this.client.conversations.replies({ channel, ts: threadTs, oldest, include_all_metadata: true, limit: limits.pageSize, ...(cursor === undefined ? {} : { cursor }) }),
      (page) => replyInPage(page, threadTs, key),
    );
  }

  /**
   * Like findReply, for a file shared into the thread `threadTs` under this file name (a chart): the
   * message sharing it, found by the file's name since files carry no metadata.
   */
  async findFile(channel: string, threadTs: string, filename: string, sinceMs: number, limits = { pageSize: 200, maxPages: 5 }): Promise<string | undefined> {
    const oldest = historyOldest(sinceMs);
    return this.searchPages('conversations.replies', channel, filename, limits, (cursor) =>
      this.client.conversations.replies({ channel, ts: threadTs, oldest, limit: limits.pageSize, ...(cursor === undefined ? {} : { cursor }) }),
      (page) => fileInPage(page, threadTs, filename),
    );
  }

  private async searchPages(
    method: string,
    channel: string,
    key: string,
    limits: { pageSize: number; maxPages: number },
    fetchPage: (cursor: string | undefined) => Promise<unknown>,
    match: (page: HistoryPage) => string | undefined,
  ): Promise<string | undefined> {
    let cursor: string | undefined;
    for (let page = 1; page <= limits.maxPages; page++) {
      const res = await this.retried(method, channel, () => fetchPage(cursor));
      const parsed = historyPageSchema.safeParse(res);
      if (!parsed.success) throw asCodedError(new Error(`${method} answered in an unexpected shape`));
      const ts = match(parsed.data);
      if (ts !== undefined) return ts;
      cursor = parsed.data.response_metadata?.next_cursor;
      if (parsed.data.has_more !== true || cursor === undefined || cursor === '') return undefined;
    }
    this.logger.warn({ channel, key, method, pages: limits.maxPages }, 'message not found in the recent messages read; older ones not searched');
    return undefined;
  }

  /** A new message in a channel: waits for the channel's turn, and every attempt counts as a send. */
  private paced<T>(method: string, channel: string, call: () => Promise<T>): Promise<T> {
    return this.pacer.run(channel, () =>
      this.retried(method, channel, call, () => this.pacer.holdOff(channel)),
    );
  }

  private async retried<T>(method: string, channel: string, call: () => Promise<T>, onAttempt?: () => void): Promise<T> {
    try {
      return await withSlackRetry(
        method,
        call,
        this.policy,
        {
          ...(onAttempt === undefined ? {} : { onAttempt }),
          onRetry: (failure, waitMs, attempt) => {
            this.report(method, failureLabel(failure), false);
            this.logger.warn({ method, channel, attempt, waitMs, failure: failureLabel(failure) }, 'Slack call failed, retrying');
          },
        },
        channel,
      );
    } catch (err) {
      const coded = asCodedError(err);
      this.report(method, coded.message, true);
      throw coded;
    }
  }

  private report(method: string, error: string, final: boolean): void {
    try {
      this.opts.onApiError?.({ method, error, final });
    } catch (err) {
      this.logger.warn({ err }, 'onApiError hook failed');
    }
  }
}

function failureLabel(f: FailureKind): string {
  switch (f.kind) {
    case 'rate-limited':
    case 'transient':
      return f.label;
    case 'permanent':
      return f.slackError;
    case 'unknown':
      return 'unknown';
  }
}

function firstFileId(res: webApi.WebAPICallResult & { files?: unknown }): string | undefined {
  // uploadV2 answers with one completeUploadExternal result per channel, each listing its files.
  const completions = Array.isArray(res.files) ? (res.files as Array<{ files?: Array<{ id?: string }> }>) : [];
  return completions[0]?.files?.[0]?.id;
}
