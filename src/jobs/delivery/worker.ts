import { createHash } from 'node:crypto';
import { DelayedError, Worker, type Job } from 'bullmq';
import { PermanentSlackError, RetriesExhaustedError } from '../../delivery/errors.js';
import type { KnownBlock } from '../../delivery/message-limits.js';
import { alertParentKey, alertReplyKey, parentMetadata, type ParentMetadata } from '../../delivery/parent-metadata.js';
import type { SlackDelivery } from '../../delivery/slack-client.js';
import type { GroupState } from '../../incidents/alerts/group-state.js';
import type { IncidentStore } from '../../incidents/alerts/incident-store.js';
import type { RedisLock } from '../../incidents/redis-lock.js';
import { alertParentMessage } from '../../report/alerts/alert-thread.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { ALERT_QUEUES, deliveryJobSchema, type DeliveryJobData } from '../alerts/queues.js';
import { sleep, type PaceOrder, type RedisChannelPacer } from './redis-channel-pacer.js';
import { workerOptions, type QueueWorkerBase } from '../worker-options.js';
import { instrumentWorker } from '../instrument-worker.js';
import { recoverParent, recoverReply } from './parent-recovery.js';
import { postCharts, type ChartPost, type ChartProgress } from './chart-posts.js';
import { drawCharts, type ChartInput } from '../../report/charts/draw.js';

export interface DeliveryWorkerOptions extends QueueWorkerBase {
  concurrency: number;
  store: IncidentStore;
  /** Configured with rejectRateLimitedCalls and no in-place 429 wait: Retry-After is handled here. */
  slack: Pick<SlackDelivery, 'postMessage' | 'update'> & Partial<Pick<SlackDelivery, 'findParent' | 'findReply' | 'uploadFile' | 'findFile'>>;
  pacer: RedisChannelPacer;
  /** Queues a delivery of the thread at a later moment (AlertFollowUps.requestDeliveryAt). */
  deliverAt?: (d: DeliveryJobData, atMs: number) => Promise<void>;
  /** Once the thread's parent is in Slack (posted or adopted): e.g. links a watch warning open for the cluster. */
  onThreadOpened?: (g: GroupState, parentTs: string, reply: (msg: { text: string; blocks: KnownBlock[] }) => Promise<void>) => Promise<void>;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Brings one Slack thread up to date with its group's stored state: posts the parent if there is none,
 * edits it if its rendering changed (only the latest state is sent, so edits coalesce), then posts the
 * replies not yet posted, in order. Progress is saved after every call, so a retry or another worker
 * continues where this one stopped. One worker per thread at a time (a Redis lease); a job that finds
 * the thread busy leaves: the holder looks again after releasing it and picks up the change.
 */
export function startDeliveryWorker(opts: DeliveryWorkerOptions): Worker<DeliveryJobData> {
  const log = opts.logger.child({ component: 'slack-delivery-queue' });
  const worker = new Worker<DeliveryJobData>(ALERT_QUEUES.delivery, (job, token) => deliver(job, token, opts, log), workerOptions(opts, opts.concurrency));
  return instrumentWorker(worker, ALERT_QUEUES.delivery, opts.metrics, log);
}

async function deliver(job: Job<DeliveryJobData>, token: string | undefined, opts: DeliveryWorkerOptions, log: Logger): Promise<void> {
  const { gid, incarnation } = deliveryJobSchema.parse(job.data);
  let lock: RedisLock | undefined = await opts.store.lockThread(gid, incarnation);
  if (lock === undefined) {
    // Busy: its holder looks again after releasing. Come back later anyway, without holding a worker
    // slot meanwhile, in case the holder died and its lease has to run out first.
    if (!(await hasWork(gid, incarnation, opts.store))) return;
    await job.moveToDelayed(Date.now() + 2000, token);
    throw new DelayedError();
  }
  while (lock !== undefined) {
    lock.keepAlive();
    try {
      await syncThread(gid, incarnation, opts, log);
    } finally {
      await lock.release();
    }
    // Checked after releasing: a change queued while we held the lease saw it busy and left it to us.
    if (!(await hasWork(gid, incarnation, opts.store))) return;
    lock = await opts.store.lockThread(gid, incarnation);
  }
}

const hashOf = (v: unknown): string => createHash('sha1').update(JSON.stringify(v)).digest('hex');

async function hasWork(gid: string, incarnation: number, store: IncidentStore): Promise<boolean> {
  const g = await store.group(gid);
  if (g === undefined || g.incarnation !== incarnation) return false;
  const t = await store.thread(gid, incarnation);
  if (t.parentTs === undefined || t.parentHash !== hashOf(alertParentMessage(g))) return true;
  return (await store.repliesCount(gid, incarnation)) > t.posted;
}

async function syncThread(gid: string, incarnation: number, opts: DeliveryWorkerOptions, log: Logger): Promise<void> {
  const g = await opts.store.group(gid);
  if (g === undefined || g.incarnation !== incarnation) return;
  const t = await opts.store.thread(gid, incarnation);
  const parent = alertParentMessage(g);
  const parentHash = hashOf(parent);
  let parentTs = t.parentTs;
  const key = alertParentKey(gid, incarnation);
  if (parentTs === undefined && t.parentPostingAt !== undefined) {
    // An earlier attempt started posting this parent and never recorded it: Slack may have it already.
    const find = opts.slack.findParent;
    parentTs = await recoverParent(
      find === undefined ? undefined : (channel, k, since) => withRetryAfter(() => find.call(opts.slack, channel, k, since)),
      { kind: 'alert', channel: g.channel, key, sinceMs: t.parentPostingAt },
      { metrics: opts.metrics, logger: log },
    );
    if (parentTs !== undefined) {
      // Adopted: no parentHash yet, so the edit below brings it to the current state.
      await opts.store.saveThread(gid, incarnation, { parentTs });
      opts.metrics.alertThreadsCreated.inc();
      log.info({ gid, channel: g.channel, ts: parentTs }, 'alert thread adopted after an interrupted post');
    }
  }
  if (parentTs === undefined) {
    // Recorded before posting: whoever finds it without a parentTs knows this post may have happened.
    await opts.store.saveThread(gid, incarnation, { parentPostingAt: Date.now() });
    parentTs = await post(opts, g.channel, { text: parent.text, blocks: parent.blocks, metadata: parentMetadata(key) }, 'first');
    await opts.store.saveThread(gid, incarnation, { parentTs, parentHash });
    opts.metrics.alertThreadsCreated.inc();
    log.info({ gid, channel: g.channel, ts: parentTs }, 'alert thread opened');
    const threadTs = parentTs;
    await opts
      .onThreadOpened?.(g, threadTs, async (m) => void (await post(opts, g.channel, { ...m, thread_ts: threadTs }, 'later')))
      .catch((err: unknown) => log.warn({ gid, err: err instanceof Error ? err.message : String(err) }, 'could not link the alert thread to the watch'));
  } else if (t.parentHash !== parentHash) {
    await withRetryAfter(() => opts.slack.update({ channel: g.channel, ts: parentTs!, text: parent.text, blocks: parent.blocks }));
    await opts.store.saveThread(gid, incarnation, { parentHash });
  }
  await scheduleSilenceEnd(g, opts, log);
  const ts = parentTs;
  let shownHash = parentHash;
  // While a reply waits for its slot (behind other threads' parents in a storm), keep the parent current:
  // a verdict that arrives meanwhile is edited in at once instead of after the wait.
  const refreshParent = async (): Promise<void> => {
    try {
      const now = await opts.store.group(gid);
      if (now === undefined || now.incarnation !== incarnation) return;
      const msg = alertParentMessage(now);
      const hash = hashOf(msg);
      if (hash === shownHash) return;
      await opts.slack.update({ channel: now.channel, ts, text: msg.text, blocks: msg.blocks });
      await opts.store.saveThread(gid, incarnation, { parentHash: hash });
      shownHash = hash;
    } catch (err) {
      log.debug({ gid, err: err instanceof Error ? err.message : String(err) }, 'parent refresh while waiting failed');
    }
  };
  let posted = t.posted;
  // An earlier attempt stored that it was about to post reply number replyPostingIndex and never recorded
  // it posted: the thread may have it already.
  const resumeAt = t.replyPostingAt !== undefined && t.replyPostingIndex === posted && t.replyPostingCount !== undefined ? t.replyPostingAt : undefined;
  let replies = await opts.store.replies(gid, incarnation, posted);
  if (resumeAt !== undefined && replies[0]?.chart === undefined) {
    // A message: found by its metadata key, like the parent (a chart is found by its file name below).
    const find = opts.slack.findReply;
    const adopted = await recoverReply(
      find === undefined ? undefined : (channel, thread, k, since) => withRetryAfter(() => find.call(opts.slack, channel, thread, k, since)),
      ts,
      { kind: 'alert', channel: g.channel, key: alertReplyKey(gid, incarnation, posted), sinceMs: resumeAt },
      { metrics: opts.metrics, logger: log },
    );
    if (adopted !== undefined) {
      posted += t.replyPostingCount!;
      await opts.store.saveThread(gid, incarnation, { posted });
      replies = replies.slice(t.replyPostingCount);
    }
  }
  const firstUnposted = posted;
  for (const batch of coalesce(replies)) {
    const chart = batch[0]!.chart;
    if (chart !== undefined) {
      const index = posted;
      const progress = { posted: 0, ...(resumeAt !== undefined && index === firstUnposted ? { postingAt: resumeAt } : {}) };
      // The upload's start is stored like a message's; the place is counted posted below.
      const save = async (p: ChartProgress): Promise<void> => {
        if (p.postingAt !== undefined) await opts.store.saveThread(gid, incarnation, { replyPostingAt: p.postingAt, replyPostingIndex: index, replyPostingCount: 1 });
      };
      await postChart(opts, g.cluster ?? 'cluster', { channel: g.channel, thread_ts: parentTs }, chart, { key: alertReplyKey(gid, incarnation, index), progress, save }, refreshParent, log);
      posted += 1;
      await opts.store.saveThread(gid, incarnation, { posted });
      continue;
    }
    const msg = batch.length === 1 ? batch[0]! : { text: batch.map((r) => r.text).join('\n'), blocks: batch.flatMap((r) => r.blocks) };
    // Recorded before posting and keyed, like the parent: a reply is in the thread once even if this
    // worker dies between Slack accepting it and the count below.
    await opts.store.saveThread(gid, incarnation, { replyPostingAt: Date.now(), replyPostingIndex: posted, replyPostingCount: batch.length });
    const metadata = parentMetadata(alertReplyKey(gid, incarnation, posted));
    await post(opts, g.channel, { text: msg.text, blocks: msg.blocks as KnownBlock[], thread_ts: parentTs, metadata }, 'later', refreshParent);
    posted += batch.length;
    await opts.store.saveThread(gid, incarnation, { posted });
    for (const r of batch) {
      if (r.alertReceivedAt !== undefined) opts.metrics.alertToVerdict.observe((Date.now() - r.alertReceivedAt) / 1000);
    }
  }
}

/** Slack, Redis and BullMQ clocks differ a little: the re-render comes this long after the end. */
const SILENCE_END_MARGIN_MS = 1000;

/**
 * While the parent shows a silence as active, a delivery is queued for just after its end, so that the
 * parent then says it ended and offers Silence again even if the group never changes meanwhile.
 */
async function scheduleSilenceEnd(g: GroupState, opts: DeliveryWorkerOptions, log: Logger): Promise<void> {
  const end = g.silence === undefined ? Number.NaN : Date.parse(g.silence.endsAt);
  if (opts.deliverAt === undefined || !(end > Date.now())) return;
  await opts
    .deliverAt({ gid: g.gid, incarnation: g.incarnation, version: g.version }, end + SILENCE_END_MARGIN_MS)
    .catch((err: unknown) => log.warn({ gid: g.gid, err: err instanceof Error ? err.message : String(err) }, 'could not schedule the parent edit at the silence end; the next change of the group shows it'));
}

/**
 * Consecutive "changed" replies still waiting (a group that kept changing while its channel was busy)
 * go out as one message: one reply per burst of changes, not one per notification.
 */
export function coalesce<R extends { kind: string; blocks: unknown[] }>(replies: R[], maxBlocks = 40): R[][] {
  const out: R[][] = [];
  for (const r of replies) {
    const last = out.at(-1);
    const blocks = (last ?? []).reduce((n, x) => n + x.blocks.length, 0);
    if (last !== undefined && r.kind === 'changed' && last.every((x) => x.kind === 'changed') && blocks + r.blocks.length <= maxBlocks) {
      last.push(r);
    } else {
      out.push([r]);
    }
  }
  return out;
}

/** A chart reply: drawn now, uploaded into the thread in the channel's turn, or a line saying why not. */
async function postChart(
  opts: DeliveryWorkerOptions,
  cluster: string,
  where: { channel: string; thread_ts: string },
  chart: ChartInput,
  charts: Pick<ChartPost, 'key' | 'progress' | 'save'>,
  whileWaiting: () => Promise<void>,
  log: Logger,
): Promise<void> {
  const upload = opts.slack.uploadFile;
  if (upload === undefined) return;
  const { findFile, findReply } = opts.slack;
  const { channel } = where;
  await postCharts(
    {
      // A chart waits behind every parent and reply waiting for the channel: it never delays a verdict.
      uploadFile: (a) => paced(opts, channel, 'last', () => upload.call(opts.slack, a), whileWaiting),
      postMessage: async (m) => ({ ts: await post(opts, channel, m, 'later', whileWaiting) }),
      ...(findFile === undefined ? {} : { findFile: (c, thread, name, since) => withRetryAfter(() => findFile.call(opts.slack, c, thread, name, since)) }),
      ...(findReply === undefined ? {} : { findReply: (c, thread, key, since) => withRetryAfter(() => findReply.call(opts.slack, c, thread, key, since)) }),
    },
    await drawCharts(cluster, [chart]),
    { ...charts, where, kind: 'alert', metrics: opts.metrics, logger: log, missingMessage: 'chart missing from the thread' },
  );
}

/** A new message: wait for the channel's slot, and on 429 hold the channel back for Retry-After. */
async function post(
  opts: DeliveryWorkerOptions,
  channel: string,
  msg: { text: string; blocks: KnownBlock[]; thread_ts?: string; metadata?: ParentMetadata },
  order: 'first' | 'later' = 'later',
  whileWaiting?: () => Promise<void>,
): Promise<string> {
  const res = await paced(opts, channel, order, () => opts.slack.postMessage({ channel, ...msg }), whileWaiting);
  return res.ts;
}

/** One new item in a channel (a message, a file) in the channel's turn, retried after Retry-After on 429. */
async function paced<T>(
  opts: DeliveryWorkerOptions,
  channel: string,
  order: PaceOrder,
  send: () => Promise<T>,
  whileWaiting?: () => Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await opts.pacer.acquire(channel, order, whileWaiting);
    try {
      const res = await send();
      // Space the next message from this one's answer as well as from its slot: a send that left late
      // (a busy event loop, a slow connection) must not end up closer than the interval to the next one.
      await opts.pacer.holdOff(channel, opts.pacer.intervalMs);
      return res;
    } catch (err) {
      const wait = retryAfterOf(err);
      if (wait === undefined || attempt >= 20) throw err;
      await opts.pacer.holdOff(channel, wait);
    }
  }
}

/** Edits are not paced per channel, but a 429 still means waiting Retry-After before the next try. */
async function withRetryAfter<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = retryAfterOf(err);
      if (wait === undefined || attempt >= 20) throw err;
      await sleep(wait);
    }
  }
}

function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof PermanentSlackError) return undefined;
  if (err instanceof RetriesExhaustedError && err.retryAfterMs !== undefined) return err.retryAfterMs;
  return undefined;
}

/** Slack error strings for the metrics label, without channel ids or free text. */
export function slackErrorLabel(error: string): string {
  if (/^[a-z0-9_]+$/.test(error)) return error;
  if (error.startsWith('network')) return 'network';
  const m = /: ([a-z0-9_]+)(?: \(channel [^)]*\))?$/.exec(error);
  return m?.[1] ?? 'unknown';
}
