import { createHash } from 'node:crypto';
import type { KnownBlock } from '../../delivery/message-limits.js';
import { parentMetadata, type ParentMetadata } from '../../delivery/parent-metadata.js';
import type { UploadFileArgs } from '../../delivery/slack-client.js';
import { missingChartLine, type DrawnChart } from '../../report/charts/draw.js';
import { esc } from '../../report/slack-text.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { recoverReply, type ParentKind, type ReplyFinder } from './parent-recovery.js';

export interface ChartPoster {
  uploadFile(args: UploadFileArgs): Promise<{ fileId: string }>;
  postMessage(msg: { channel: string; thread_ts: string; text: string; blocks: KnownBlock[]; metadata?: ParentMetadata }): Promise<{ ts: string }>;
  /** SlackDelivery.findFile; without it a chart whose upload was interrupted is uploaded again. */
  findFile?: ReplyFinder;
  /** SlackDelivery.findReply: finds a "chart missing" line an interrupted attempt posted (it carries metadata). */
  findReply?: ReplyFinder;
}

/** How far the charts of one post got: kept by the caller with its job, so a retry goes on from there. */
export interface ChartProgress {
  /** Charts done, in order (uploaded, or replaced by the line saying why not). */
  posted: number;
  /**
   * When posting chart number `posted` began (its upload, or the line saying it is missing), while it is
   * not known to have reached Slack.
   */
  postingAt?: number;
}

export interface ChartPost {
  /** The thread the charts go into. */
  where: { channel: string; thread_ts: string };
  /** The kind of thread (metrics and logs of a look-up). */
  kind: ParentKind;
  /**
   * Unique to this post of these charts (a job id, a reply's key): the file names carry a hash of it.
   * Files carry no message metadata, so the name is how a retry recognises a chart it uploaded already,
   * and a Re-run's charts in the same thread have names of their own.
   */
  key: string;
  progress: ChartProgress;
  /** Stores the progress; awaited before each upload and after each chart. */
  save: (progress: ChartProgress) => Promise<void>;
  metrics: Metrics;
  logger: Logger;
  /** Logged with a missing chart's title and reason (the caller's wording). */
  missingMessage: string;
}

/** A poster of messages that may also upload files and look them up (the Slack client or its paced wrapper). */
export interface FilePoster {
  postMessage: ChartPoster['postMessage'];
  uploadFile?: ChartPoster['uploadFile'];
  findFile?: ReplyFinder;
  findReply?: ReplyFinder;
}

/** `poster` as a ChartPoster, its methods bound to it; undefined when it cannot upload files (no charts then). */
export function chartPoster(poster: FilePoster): ChartPoster | undefined {
  const { uploadFile, findFile, findReply } = poster;
  if (uploadFile === undefined) return undefined;
  return {
    uploadFile: (a) => uploadFile.call(poster, a),
    postMessage: (m) => poster.postMessage(m),
    ...(findFile === undefined ? {} : { findFile: findFile.bind(poster) }),
    ...(findReply === undefined ? {} : { findReply: findReply.bind(poster) }),
  };
}

/** A job's stored chart fields as the progress postCharts goes on from. */
export function storedChartProgress(stored: { chartsPosted?: number; chartPostingAt?: number } | undefined): ChartProgress {
  return { posted: stored?.chartsPosted ?? 0, ...(stored?.chartPostingAt === undefined ? {} : { postingAt: stored.chartPostingAt }) };
}

const keyHash = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 10);

/** `wal-fsync.png` with key K → `wal-fsync-<10 hex of sha256(K)>.png`: opaque, stable across retries. */
export function keyedFileName(filename: string, key: string): string {
  const dot = filename.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [filename.slice(0, dot), filename.slice(dot)] : [filename, ''];
  return `${stem}-${keyHash(key)}${ext}`;
}

/**
 * The metadata key of the line saying chart number `index` of the post keyed K is missing: opaque (the
 * post's key may hold an alert group's id), the same on every retry, and one per chart of each post.
 */
export const missingChartLineKey = (key: string, index: number): string => `chart-missing.${keyHash(key)}.${index}`;

/**
 * Posts drawn charts into a thread, in order, after the text answer. A chart that could not be drawn
 * or uploaded becomes one short line saying which chart is missing and why; it never fails the job (the
 * text is already out). Progress is stored before each chart goes out and after it, so a retried job
 * posts nothing twice: it skips what is recorded done, and a chart begun but never recorded (the worker
 * killed once Slack had it, or the answer lost) is first looked for in the thread: the chart by its file
 * name, the line by its metadata key. A failed look-up posts it again: a chart twice beats a chart missing.
 */
export async function postCharts(poster: ChartPoster, charts: DrawnChart[], post: ChartPost): Promise<void> {
  const { where } = post;
  let interrupted = post.progress.postingAt;
  for (let i = post.progress.posted; i < charts.length; i++) {
    const c = charts[i]!;
    const filename = 'error' in c ? undefined : keyedFileName(c.filename, post.key);
    const lineKey = missingChartLineKey(post.key, i);
    if (interrupted !== undefined) {
      // An earlier attempt began this chart and never recorded it: Slack may have the chart, or the line
      // saying it is missing (an upload that failed, or a chart that could not be drawn).
      const look = { kind: post.kind, channel: where.channel, sinceMs: interrupted };
      const found =
        (filename === undefined ? undefined : await recoverReply(poster.findFile, where.thread_ts, { ...look, what: 'chart', key: filename }, post)) ??
        (await recoverReply(poster.findReply, where.thread_ts, { ...look, what: 'missing-chart line', key: lineKey }, post));
      interrupted = undefined;
      if (found !== undefined) {
        await post.save({ posted: i + 1 });
        continue;
      }
    }
    // Recorded before the chart goes out (its upload, or the line saying it is missing): a retry then
    // looks for it in the thread before posting it again.
    await post.save({ posted: i, postingAt: Date.now() });
    let missing: string | undefined;
    if ('error' in c) {
      missing = c.error;
    } else {
      try {
        await poster.uploadFile({ ...where, filename: keyedFileName(c.filename, post.key), content: c.png, title: c.title });
      } catch (err) {
        missing = `the upload to Slack failed (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    if (missing !== undefined) {
      post.logger.warn({ channel: where.channel, chart: c.title, reason: missing }, post.missingMessage);
      const text = esc(missingChartLine(c.title, missing));
      await poster.postMessage({ ...where, text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }], metadata: parentMetadata(lineKey) });
    }
    await post.save({ posted: i + 1 });
  }
}
