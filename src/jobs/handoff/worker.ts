import type { UploadFileArgs } from '../../delivery/slack-client.js';
import { drawCharts } from '../../report/charts/draw.js';
import { SMALL_CHART_SIZE } from '../../report/charts/spec.js';
import { trendChartData } from '../../report/charts/trend-chart.js';
import { chartPoster, postCharts, storedChartProgress } from '../delivery/chart-posts.js';
import { Worker, type Job } from 'bullmq';
import { parseDuration } from '../../config/duration.js';
import { gatherHandoff, type HandoffDeps } from '../../handoff/gather.js';
import type { TimelineEvent } from '../../incidents/timeline/timeline-event.js';
import { handoffClusterMessages, handoffParentMessage } from '../../report/handoff/handoff-slack.js';
import type { SlackMessage } from '../../report/slack-blocks.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { HANDOFF_QUEUE, handoffJobSchema, type HandoffJobData } from './job.js';
import { workerOptions, type QueueWorkerBase } from '../worker-options.js';
import { instrumentWorker } from '../instrument-worker.js';
import { handoffParentKey, parentMetadata, type ParentMetadata } from '../../delivery/parent-metadata.js';
import { recoverParent } from '../delivery/parent-recovery.js';
import { tickOf } from '../scheduler-tick.js';

/** The part of the Slack delivery a handoff needs. */
export interface HandoffPoster {
  postMessage(msg: SlackMessage & { channel: string; thread_ts?: string; metadata?: ParentMetadata }): Promise<{ ts: string }>;
  /** The parent carrying this metadata key posted since `sinceMs`, if any (see parent-metadata.ts). */
  findParent?(channel: string, key: string, sinceMs: number): Promise<string | undefined>;
  /** A file into the thread (the trend charts); without it, no charts. */
  uploadFile?(args: UploadFileArgs): Promise<{ fileId: string }>;
  /** The message sharing a file of this name into the thread `threadTs` since `sinceMs`, if any. */
  findFile?(channel: string, threadTs: string, filename: string, sinceMs: number): Promise<string | undefined>;
  /** The reply carrying this metadata key posted into the thread `threadTs` since `sinceMs` (a "chart missing" line). */
  findReply?(channel: string, threadTs: string, key: string, sinceMs: number): Promise<string | undefined>;
}

export interface HandoffWorkerOptions extends QueueWorkerBase {
  deps: HandoffDeps;
  slack: HandoffPoster;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Builds and posts handoffs: the headline as the parent, one thread reply per cluster. The period
 * ends at the schedule's tick (or when the job first ran) and starts at the explicit `since`, else at
 * the channel's last handoff, else handoff.defaultSince before.
 */
export function startHandoffWorker(opts: HandoffWorkerOptions): Worker<HandoffJobData> {
  const log = opts.logger.child({ component: 'handoff' });
  const worker = new Worker<HandoffJobData>(HANDOFF_QUEUE, (job) => processHandoff(job, opts, log), 
    // A handoff runs a quick diagnosis per cluster; two at a time keeps Prometheus load small.
    workerOptions(opts, 2),
  );
  return instrumentWorker(worker, HANDOFF_QUEUE, opts.metrics, log);
}

async function processHandoff(job: Job<HandoffJobData>, opts: HandoffWorkerOptions, log: Logger): Promise<void> {
  const data = handoffJobSchema.parse(job.data);
  const { timeline, config } = opts.deps;
  const jobId = String(job.id);
  const tick = data.scheduleId === undefined ? undefined : tickOf(job);

  if (data.scheduleId !== undefined && tick !== undefined) {
    // BullMQ makes one job per tick; this claim makes sure that even a re-created scheduler or a
    // manual re-run never posts the same tick twice. The claim holds the job id, so a retry of the
    // job that claimed it carries on.
    const owner = await timeline.claimOnce(`tick.${data.scheduleId}.${tick}`, jobId);
    if (owner !== jobId) {
      log.info({ scheduleId: data.scheduleId, tick }, 'tick already handed off; skipped');
      return;
    }
  }

  if (data.period === undefined) {
    const untilMs = data.scheduleId !== undefined && tick !== undefined ? tick : Date.now();
    let sinceMs: number;
    if (data.sinceSeconds !== undefined) sinceMs = untilMs - data.sinceSeconds * 1000;
    else {
      const last = await timeline.lastHandoff(data.channel);
      const fallback = (parseDuration(config.handoff.defaultSince) ?? 12 * 3600) * 1000;
      sinceMs = last !== undefined && last < untilMs ? last : untilMs - fallback;
    }
    data.period = { sinceMs, untilMs };
    await job.updateData(data);
  }
  const period = data.period;

  const summary = await gatherHandoff(opts.deps, {
    clusters: data.clusters,
    sinceMs: period.sinceMs,
    untilMs: period.untilMs,
    ...(data.mention === undefined ? {} : { mention: data.mention }),
    origin: { kind: 'schedule', channelId: data.channel },
  });

  const slack = data.slack ?? { repliesPosted: 0 };
  let parentTs = slack.parentTs;
  const key = handoffParentKey(jobId);
  if (parentTs === undefined && slack.parentPostingAt !== undefined) {
    // An earlier attempt started posting the parent and died before recording it: adopt what Slack
    // has (the headline of the same period) rather than post the handoff twice.
    const poster = opts.slack;
    parentTs = await recoverParent(
      poster.findParent === undefined ? undefined : (channel, k, since) => poster.findParent!(channel, k, since),
      { kind: 'handoff', channel: data.channel, key, sinceMs: Math.min(job.timestamp, slack.parentPostingAt) },
      { metrics: opts.metrics, logger: log },
    );
    if (parentTs !== undefined) {
      data.slack = { ...slack, parentTs };
      await job.updateData(data);
    }
  }
  if (parentTs === undefined) {
    data.slack = { ...slack, parentPostingAt: Date.now() };
    await job.updateData(data);
    parentTs = (await opts.slack.postMessage({ channel: data.channel, ...handoffParentMessage(summary), metadata: parentMetadata(key) })).ts;
    data.slack = { ...data.slack, parentTs };
    await job.updateData(data);
  }
  const replies = summary.clusters.flatMap((c) => handoffClusterMessages(c));
  for (let i = data.slack?.repliesPosted ?? 0; i < replies.length; i++) {
    await opts.slack.postMessage({ channel: data.channel, thread_ts: parentTs, ...replies[i]! });
    data.slack = { ...data.slack, parentTs, repliesPosted: i + 1 };
    await job.updateData(data);
  }

  await timeline.setLastHandoff(data.channel, period.untilMs);
  const at = new Date(period.untilMs).toISOString();
  const events: TimelineEvent[] = data.clusters.map((cluster) => ({
    id: `handoff.${jobId}`,
    at,
    cluster,
    kind: 'handoff',
    channel: data.channel,
    sinceMs: period.sinceMs,
    untilMs: period.untilMs,
    ...(data.requestedBy === undefined ? {} : { requestedBy: data.requestedBy }),
    ...(data.scheduleId === undefined ? {} : { scheduleId: data.scheduleId }),
  }));
  await timeline.append(events);
  // A small latency chart per cluster, after the text (and after the handoff is on record).
  const poster = chartPoster(opts.slack);
  if (poster !== undefined) {
    const inputs = summary.clusters.map((c) => trendChartData(c, summary.period)).filter((c) => c !== undefined);
    const progress = storedChartProgress(data.slack);
    if (inputs.length > progress.posted) {
      await postCharts(
        poster,
        await drawCharts('handoff', inputs, SMALL_CHART_SIZE),
        {
          where: { channel: data.channel, thread_ts: parentTs },
          kind: 'handoff',
          key,
          progress,
          save: async (p) => {
            data.slack = { ...data.slack, parentTs, repliesPosted: replies.length, chartsPosted: p.posted, chartPostingAt: p.postingAt };
            await job.updateData(data);
          },
          metrics: opts.metrics,
          logger: log,
          missingMessage: 'trend chart missing from the handoff',
        },
      );
    }
  }
  log.info({ jobId, channel: data.channel, clusters: data.clusters, parentTs, replies: replies.length }, 'handoff posted');
}
