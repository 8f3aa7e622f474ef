import { Worker, type Job } from 'bullmq';
import { watchSettings, type WatchSettings } from '../../config/watch-settings.js';
import type { OnsetInput, WatchEvaluation } from '../../diagnosis/onset/types.js';
import type { RunDeps } from '../../diagnosis/run.js';
import type { TimelineSink } from '../../incidents/timeline/timeline-store.js';
import type { WatchStore } from '../../incidents/watch/watch-store.js';
import { readable, type WatchState } from '../../incidents/watch/watch-transition.js';
import { watchTimelineEvents } from '../../incidents/watch/watch-timeline.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { instrumentWorker } from '../instrument-worker.js';
import { workerOptions, type QueueWorkerBase } from '../worker-options.js';
import { WATCH_QUEUE, watchJobSchema, type WatchJobData } from './job.js';
import { syncWarningThread, type WatchThreadDeps } from './thread.js';
import { tickOf } from '../scheduler-tick.js';

export type Evaluate = (input: OnsetInput) => Promise<WatchEvaluation>;

export interface WatchWorkerOptions extends QueueWorkerBase {
  /** Evaluations running at once per worker process (each is a handful of queries). */
  concurrency: number;
  run: RunDeps;
  evaluate: Evaluate;
  /** Queues one confirming evaluation of a cluster `delayMs` after `tick` (see WatchQueue.confirm). */
  confirm?: (cluster: string, tick: number, delayMs: number) => Promise<void>;
  store: WatchStore;
  thread: Omit<WatchThreadDeps, 'run' | 'store' | 'metrics' | 'logger'>;
  timeline?: TimelineSink;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Consumes the watch's ticks: evaluates the cluster at the tick's time, applies the evaluation to the
 * warning state once (a retried tick finds it applied), records what changed on the timeline, then
 * brings the threads of the current and the last warning up to date.
 */
export function startWatchWorker(opts: WatchWorkerOptions): Worker<WatchJobData> {
  const log = opts.logger.child({ component: 'watch' });
  const worker = new Worker<WatchJobData>(WATCH_QUEUE, (job) => evaluateTick(job, opts, log), workerOptions(opts, opts.concurrency));
  return instrumentWorker(worker, WATCH_QUEUE, opts.metrics, log);
}

async function evaluateTick(job: Job<WatchJobData>, opts: WatchWorkerOptions, log: Logger): Promise<void> {
  const { cluster } = watchJobSchema.parse(job.data);
  const config = opts.run.config;
  const settings = watchSettings(config, cluster);
  // A scheduler left from a config that watched this cluster: it is removed at the next start.
  if (!settings.enabled || settings.channel === undefined) return;
  const clusterConfig = config.clusters[cluster]!;
  // The scheduler's tick, not "now": a retry evaluates the same moment and is recognised as the same tick.
  const tick = evaluationTick(job);
  const evaluation = await opts.evaluate({
    clusterName: cluster,
    cluster: clusterConfig,
    prometheus: opts.run.prometheus.forCluster(cluster),
    playbooks: opts.run.playbooks,
    at: Math.min(tick, Date.now()) / 1000,
  });
  const t = await opts.store.apply(cluster, evaluation, tick, settings);
  opts.metrics.watchEvaluations.inc({ cluster, outcome: !t.applied ? 'repeat' : readable(evaluation) ? 'applied' : 'unreadable' });
  for (const a of t.actions) {
    opts.metrics.watchWarnings.inc({ action: a.kind });
    log.info({ cluster, warning: a.warning.id, action: a.kind, causes: a.warning.current.map((c) => `${c.kind}@${c.member ?? 'all'}`) }, `watch warning ${a.kind}`);
  }
  if (t.actions.length > 0) await opts.timeline?.append(watchTimelineEvents(t.actions, settings.channel));
  await confirmSoon(cluster, tick, t.next, settings, opts);

  // Also when nothing changed now: a thread an earlier attempt or worker left unfinished is finished here.
  const state = t.applied ? t.next : await opts.store.state(cluster);
  const deps: WatchThreadDeps = { ...opts.thread, run: opts.run, store: opts.store, metrics: opts.metrics, logger: opts.logger };
  for (const w of [state.last, state.warning]) {
    if (w === undefined) continue;
    await syncWarningThread({ warningId: w.id, channel: settings.channel, ttlSeconds: settings.rememberSeconds }, deps);
  }
}

/**
 * A cause seen, not yet for `openAfter` evaluations: one more evaluation shortly, rather than a full
 * interval later, so a real degradation opens its warning seconds after it is first seen. It is an
 * evaluation like any other (the state machine counts it the same way); queued after the state is
 * stored, so a retried tick asks for it again and BullMQ's job id keeps it one.
 */
async function confirmSoon(cluster: string, tick: number, state: WatchState, settings: WatchSettings, opts: WatchWorkerOptions): Promise<void> {
  const delayMs = settings.confirmAfterSeconds * 1000;
  if (opts.confirm === undefined || delayMs <= 0 || delayMs >= settings.intervalSeconds * 1000) return;
  if (state.phase !== 'suspect' || state.lastTick !== tick || state.count >= settings.openAfter) return;
  await opts.confirm(cluster, tick, delayMs);
}

/** The tick an evaluation stands for: a confirming evaluation names its own, a scheduled one its scheduler's. */
export function evaluationTick(job: Pick<Job, 'id' | 'opts' | 'timestamp' | 'data'>): number {
  const own = watchJobSchema.safeParse(job.data);
  if (own.success && own.data.tick !== undefined) return own.data.tick;
  return tickOf(job);
}
