import { Worker, type Job } from 'bullmq';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { runDiagnosis, prometheusUnreachable, type RunDeps } from '../../diagnosis/run.js';
import { detailsMessage, progressMessage, verdictMessage, type ParentContext, type SlackMessage } from '../../report/slack-blocks.js';
import { whySlowTimelineEvent } from '../../incidents/alerts/timeline-record.js';
import type { TimelineSink } from '../../incidents/timeline/timeline-store.js';
import { diagnoseJobSchema, type DiagnoseJobData } from './job.js';
import { QUEUES } from '../names.js';
import { workerOptions, type QueueWorkerBase } from '../worker-options.js';
import { instrumentWorker } from '../instrument-worker.js';
import { parentMetadata, whySlowDetailsKey, whySlowParentKey, type ParentMetadata } from '../../delivery/parent-metadata.js';
import { recoverParent, recoverReply } from '../delivery/parent-recovery.js';
import type { UploadFileArgs } from '../../delivery/slack-client.js';
import { collectChartData } from '../../diagnosis/chart-series.js';
import type { Evidence } from '../../diagnosis/evidence/evidence.js';
import type { Diagnosis } from '../../diagnosis/types.js';
import { drawCharts } from '../../report/charts/draw.js';
import { chartPoster, postCharts, storedChartProgress, type ChartPost } from '../delivery/chart-posts.js';
import { diagnosisButtons } from '../../report/action-buttons.js';
import { summariseQueries } from '../../diagnosis/evidence/query-summary.js';
import type { QueryRecordStore } from '../../incidents/query-records.js';

/** The part of the Slack delivery a diagnose job needs. */
export interface SlackPoster {
  postMessage(msg: SlackMessage & { channel: string; thread_ts?: string; metadata?: ParentMetadata }): Promise<{ ts: string }>;
  update(msg: SlackMessage & { channel: string; ts: string }): Promise<unknown>;
  /** The reply carrying this metadata key posted into the thread `threadTs` since `sinceMs`, if any. */
  findReply?(channel: string, threadTs: string, key: string, sinceMs: number): Promise<string | undefined>;
  /** The parent carrying this metadata key posted since `sinceMs`, if any (see parent-metadata.ts). */
  findParent?(channel: string, key: string, sinceMs: number): Promise<string | undefined>;
  /** A file into a thread (charts); without it, charts are not drawn. */
  uploadFile?(args: UploadFileArgs): Promise<{ fileId: string }>;
  /** The message sharing a file of this name into the thread `threadTs` since `sinceMs`, if any. */
  findFile?(channel: string, threadTs: string, filename: string, sinceMs: number): Promise<string | undefined>;
}

export interface DiagnoseWorkerOptions extends QueueWorkerBase {
  concurrency: number;
  deps: RunDeps;
  slack?: SlackPoster;
  logger: Logger;
  metrics: Metrics;
  /** Parent-message progress edits are coalesced to at most one per this many ms. */
  progressEveryMs?: number;
  /** Where finished runs are recorded for the shift handoff. */
  timeline?: TimelineSink;
  /** Where each run's queries are kept for the parent's Show queries button. */
  queryRecords?: QueryRecordStore;
}

/**
 * Consumes diagnose jobs: posts (or re-finds) the parent message, collects evidence while editing the
 * parent with progress, then edits it to the verdict and posts the details in its thread.
 */
export function startDiagnoseWorker(opts: DiagnoseWorkerOptions): Worker<DiagnoseJobData> {
  const worker = new Worker<DiagnoseJobData>(QUEUES.diagnose, (job) => processJob(job, opts), workerOptions(opts, opts.concurrency));
  return instrumentWorker(worker, QUEUES.diagnose, opts.metrics, opts.logger);
}

/** A transient failure that BullMQ should retry with backoff. */
class RetryableError extends Error {}

async function processJob(job: Job<DiagnoseJobData>, opts: DiagnoseWorkerOptions): Promise<void> {
  const data = diagnoseJobSchema.parse(job.data);
  const { request } = data;
  const log = opts.logger.child({ jobId: job.id, cluster: request.cluster });
  const slack = opts.slack && data.slack ? { poster: opts.slack, channel: data.slack.channel } : undefined;
  // A Re-run or Widen from a thread answers in that thread: a new reply there, edited as the work runs,
  // rather than an edit of the earlier verdict (which stays readable for comparison) or a new thread
  // (which would split the conversation about one incident in two).
  const inThread = data.slack?.threadTs === undefined ? {} : { thread_ts: data.slack.threadTs };
  const parent: ParentContext = {
    cluster: request.cluster,
    windowSeconds: request.windowSeconds,
    requestedBy: request.origin.kind === 'slack-command' ? request.origin.userId : undefined,
  };
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

  let parentTs = data.slack?.parentTs;
  const saveSlack = async (patch: { parentTs?: string; replyTs?: string; parentPostingAt?: number; replyPostingAt?: number; chartsPosted?: number; chartPostingAt?: number | undefined }): Promise<void> => {
    if (!data.slack) return;
    data.slack = { ...data.slack, ...patch };
    await job.updateData(data);
  };
  const key = whySlowParentKey(String(job.id));
  if (slack && !parentTs && data.slack?.parentPostingAt !== undefined) {
    // An earlier attempt started posting the parent and died before recording it: adopt what Slack has
    // (the edits below bring it to the current state) rather than post a second one. A Re-run's answer
    // is a reply in the clicked thread, which only conversations.replies shows.
    const poster = slack.poster;
    const thread = data.slack.threadTs;
    const earlier = { kind: 'why-slow', channel: slack.channel, key, sinceMs: Math.min(job.timestamp, data.slack.parentPostingAt) } as const;
    const deps = { metrics: opts.metrics, logger: log };
    parentTs =
      thread === undefined
        ? await recoverParent(poster.findParent?.bind(poster), earlier, deps)
        : await recoverReply(poster.findReply?.bind(poster), thread, earlier, deps);
    if (parentTs !== undefined) await saveSlack({ parentTs });
  }
  if (slack && !parentTs) {
    await saveSlack({ parentPostingAt: Date.now() });
    const posted = await slack.poster.postMessage({ channel: slack.channel, ...inThread, ...progressMessage(parent, { stage: 'queued' }), metadata: parentMetadata(key) });
    parentTs = posted.ts;
    await saveSlack({ parentTs });
  }
  const editParent = async (msg: SlackMessage): Promise<void> => {
    if (slack && parentTs) await slack.poster.update({ channel: slack.channel, ts: parentTs, ...msg });
  };

  // Progress edits are best effort and coalesced: the last state wins, a failed edit never fails the job.
  let lastEdit = 0;
  let pending: Promise<void> = Promise.resolve();
  const onProgress = (done: number, total: number): void => {
    const now = Date.now();
    if (done < total && now - lastEdit < (opts.progressEveryMs ?? 1000)) return;
    lastEdit = now;
    pending = pending
      .then(() => editParent(progressMessage(parent, { stage: 'collecting', done, total })))
      .catch((err: unknown) => log.debug({ err: String(err) }, 'progress edit failed'));
  };
  await editParent(progressMessage(parent, { stage: 'collecting', done: 0, total: 0 })).catch(() => undefined);

  const end = opts.metrics.diagnosisDuration.startTimer({ cluster: request.cluster });
  const { evidence, diagnosis } = await runDiagnosis(opts.deps, request, onProgress);
  end();
  await pending;
  for (const q of evidence.queries) {
    opts.metrics.prometheusQueries.inc({ cluster: request.cluster, outcome: q.error ? q.error.kind : 'ok' });
  }

  const down = prometheusUnreachable(evidence);
  if (down && !lastAttempt) {
    await editParent(progressMessage(parent, { stage: 'failed', reason: `Prometheus did not answer (${down})`, willRetry: true })).catch(() => undefined);
    throw new RetryableError(`Prometheus unreachable: ${down}`);
  }

  let queriesId: string | undefined;
  if (opts.queryRecords !== undefined) {
    // Kept before the verdict shows its Show queries button; without them the button is left out.
    queriesId = await opts.queryRecords.save(String(job.id), summariseQueries(evidence)).then(
      () => String(job.id),
      (err: unknown) => {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not keep the queries of this diagnosis');
        return undefined;
      },
    );
  }
  if (slack && parentTs) {
    const verdict = verdictMessage(diagnosis, parent);
    const buttons = diagnosisButtons({ cluster: request.cluster, windowSeconds: request.windowSeconds, ...(queriesId === undefined ? {} : { queriesId }) });
    await editParent({ ...verdict, blocks: [...verdict.blocks, buttons] });
    if (!data.slack?.replyTs) {
      // Like the parent: keyed, and looked for in the thread when an earlier attempt may have posted it.
      const thread = data.slack?.threadTs ?? parentTs;
      const detailsKey = whySlowDetailsKey(String(job.id));
      const poster = slack.poster;
      let replyTs: string | undefined;
      if (data.slack?.replyPostingAt !== undefined) {
        replyTs = await recoverReply(
          poster.findReply?.bind(poster),
          thread,
          { kind: 'why-slow', channel: slack.channel, key: detailsKey, sinceMs: data.slack.replyPostingAt },
          { metrics: opts.metrics, logger: log },
        );
      }
      if (replyTs === undefined) {
        await saveSlack({ replyPostingAt: Date.now() });
        replyTs = (await poster.postMessage({ channel: slack.channel, thread_ts: thread, ...detailsMessage(diagnosis), metadata: parentMetadata(detailsKey) })).ts;
      }
      await saveSlack({ replyTs });
    }
  }
  // Recorded after the answer is out; the id is the job's, so a retried job records the run once.
  await opts.timeline?.append([
    whySlowTimelineEvent(diagnosis, {
      jobId: String(job.id),
      windowSeconds: request.windowSeconds,
      ...(parent.requestedBy === undefined ? {} : { requestedBy: parent.requestedBy }),
      ...(slack === undefined ? {} : { channel: slack.channel }),
      ...(parentTs === undefined ? {} : { parentTs }),
    }),
  ]);
  if (slack && parentTs) {
    const chartPost: ChartsOf = {
      key: whySlowParentKey(String(job.id)),
      progress: storedChartProgress(data.slack),
      save: (p) => saveSlack({ chartsPosted: p.posted, chartPostingAt: p.postingAt }),
    };
    await postDiagnosisCharts(slack, data.slack?.threadTs ?? parentTs, evidence, diagnosis, chartPost, opts, log);
  }
  log.info({ healthy: diagnosis.healthy, headline: diagnosis.headline, ms: evidence.durationMs }, 'diagnosis done');
}

/** Which charts these are and how far an earlier attempt got with them (see ChartPost). */
type ChartsOf = Pick<ChartPost, 'key' | 'progress' | 'save'>;

/** The charts follow the text in the thread: the verdict never waits for them. */
async function postDiagnosisCharts(
  slack: { poster: SlackPoster; channel: string },
  parentTs: string,
  evidence: Evidence,
  diagnosis: Diagnosis,
  charts: ChartsOf,
  opts: DiagnoseWorkerOptions,
  log: Logger,
): Promise<void> {
  const poster = chartPoster(slack.poster);
  if (poster === undefined) return;
  const inputs = await collectChartData(diagnosis, evidence, opts.deps.playbooks, opts.deps.prometheus.forCluster(diagnosis.cluster));
  if (inputs.length <= charts.progress.posted) return;
  const drawn = await drawCharts(diagnosis.cluster, inputs);
  await postCharts(
    poster,
    drawn,
    { ...charts, where: { channel: slack.channel, thread_ts: parentTs }, kind: 'why-slow', metrics: opts.metrics, logger: log, missingMessage: 'chart missing from the thread' },
  );
}
