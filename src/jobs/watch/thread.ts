import { createHash } from 'node:crypto';
import { parentMetadata } from '../../delivery/parent-metadata.js';
import { parseEvidenceBundle } from '../../diagnosis/evidence/bundle.js';
import { collectChartData } from '../../diagnosis/chart-series.js';
import { runDiagnosis, type RunDeps } from '../../diagnosis/run.js';
import type { Diagnosis } from '../../diagnosis/types.js';
import { summariseQueries } from '../../diagnosis/evidence/query-summary.js';
import type { QueryRecordStore } from '../../incidents/query-records.js';
import type { WatchStore, WatchThread } from '../../incidents/watch/watch-store.js';
import type { Warning } from '../../incidents/watch/watch-transition.js';
import { drawCharts } from '../../report/charts/draw.js';
import { watchParentMessage, watchReplyMessage } from '../../report/watch/watch-thread.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { SlackPoster } from '../diagnose/worker.js';
import { chartPoster, postCharts, type ChartProgress } from '../delivery/chart-posts.js';
import { recoverParent, recoverReply } from '../delivery/parent-recovery.js';

/** The diagnosis of a warning looks back this far before the onset, so the baseline is in its window. */
export const LEAD_IN_SECONDS = 180;
const MIN_WINDOW_SECONDS = 300;

export interface WatchThreadDeps {
  run: RunDeps;
  store: WatchStore;
  slack: SlackPoster;
  /** Alert groups of a cluster firing now (the timeline's open groups); absent: unknown. */
  openAlerts?: (cluster: string) => Promise<number>;
  queryRecords?: QueryRecordStore;
  metrics: Metrics;
  logger: Logger;
}

export interface ThreadTarget {
  warningId: string;
  channel: string;
  ttlSeconds: number;
}

/** The Slack metadata key of a warning's parent: the warning id is already an opaque hash. */
export const watchParentKey = (warningId: string): string => `watch.${warningId}`;
/** The key of the warning thread's reply for outbox item `index`. */
export const watchReplyKey = (warningId: string, index: number): string => `watch.${warningId}.reply.${index}`;

const hashOf = (v: unknown): string => createHash('sha1').update(JSON.stringify(v)).digest('hex');

/** The shortest diagnosis window after a previous warning's recovery (two of the diagnosis' 30 s rates). */
const MIN_WINDOW_AFTER_SECONDS = 60;

/**
 * Window of the warning's diagnosis: from the onset less a lead-in (at least 5 minutes), to when it
 * opened; but never back past the recovery of the cluster's previous warning: a fault that ended minutes
 * ago is in a 5-minute window, and its worst 30 s (a slow disk's fsyncs) would be diagnosed as this one.
 */
export function warningWindowSeconds(w: Warning): number {
  const opened = Date.parse(w.openedAt);
  const span = Math.ceil((opened - Date.parse(w.since)) / 1000);
  const wanted = Math.max(MIN_WINDOW_SECONDS, span + LEAD_IN_SECONDS);
  if (w.after === undefined) return wanted;
  const sinceRecovery = Math.floor((opened - Date.parse(w.after)) / 1000);
  return Math.min(wanted, Math.max(MIN_WINDOW_AFTER_SECONDS, sinceRecovery));
}

/**
 * Brings one warning's thread up to date with what is stored: the full diagnosis (once), the parent
 * (posted once: a post that may have happened is looked for by its metadata key first; edited when
 * its rendering changed), then the outbox replies not yet posted, in order, and the charts after the
 * first. Progress is saved after every step, so a retry, the next tick, or another worker carries on
 * where this one stopped. One worker per thread at a time; a busy thread is left to its holder, which
 * looks again before it lets go.
 */
export async function syncWarningThread(t: ThreadTarget, deps: WatchThreadDeps): Promise<void> {
  const log = deps.logger.child({ component: 'watch-thread', warning: t.warningId });
  // Checked before taking the lease (cheap: a few reads), and again after releasing it: a change stored
  // while this worker held the lease found it busy and left it to us.
  for (let round = 0; round < 5 && (await hasWork(t, deps)); round++) {
    const lock = await deps.store.lockThread(t.warningId);
    if (lock === undefined) return;
    lock.keepAlive();
    try {
      await syncOnce(t, deps, log);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}

async function hasWork(t: ThreadTarget, deps: WatchThreadDeps): Promise<boolean> {
  const w = await deps.store.warning(t.warningId);
  if (w === undefined) return false;
  const th = await deps.store.thread(t.warningId);
  if (th.parentTs === undefined || th.diagnosis === undefined) return true;
  if (th.parentHash !== hashOf(parentFor(w, th))) return true;
  const outbox = await deps.store.outbox(t.warningId);
  if (th.posted > 0 && outbox[0]?.kind === 'opened' && th.chartsDone !== true) return true;
  return outbox.length > th.posted;
}

function parentFor(w: Warning, th: WatchThread): ReturnType<typeof watchParentMessage> {
  return watchParentMessage({
    warning: w,
    ...(th.diagnosis === undefined ? {} : { diagnosis: JSON.parse(th.diagnosis) as Diagnosis }),
    ...(th.alertsAtOpen === undefined ? {} : { alertsAtOpen: th.alertsAtOpen }),
    ...(th.alertLink === undefined ? {} : { alertLink: th.alertLink }),
    windowSeconds: warningWindowSeconds(w),
    ...(th.queriesId === undefined ? {} : { queriesId: th.queriesId }),
  });
}

async function syncOnce(t: ThreadTarget, deps: WatchThreadDeps, log: Logger): Promise<void> {
  const w = await deps.store.warning(t.warningId);
  if (w === undefined) return;
  let th = await deps.store.thread(t.warningId);
  const save = async (patch: Partial<WatchThread>): Promise<void> => {
    await deps.store.saveThread(t.warningId, patch, t.ttlSeconds);
    th = { ...th, ...patch };
  };

  if (th.diagnosis === undefined) {
    // The alerts are counted before the diagnosis runs: "no alert has fired yet" is about the onset.
    const alertsAtOpen = th.alertsAtOpen ?? (await deps.openAlerts?.(w.cluster).catch(() => undefined));
    const windowSeconds = warningWindowSeconds(w);
    const { evidence, diagnosis } = await runDiagnosis(deps.run, {
      cluster: w.cluster,
      windowSeconds,
      endTime: w.openedAt,
      origin: { kind: 'watch', warningId: w.id, channelId: t.channel },
    });
    for (const q of evidence.queries) deps.metrics.prometheusQueries.inc({ cluster: w.cluster, outcome: q.error ? q.error.kind : 'ok' });
    await deps.store.saveEvidence(w.id, JSON.stringify(evidence), 3600);
    const queriesId = deps.queryRecords === undefined ? undefined : await deps.queryRecords.save(`watch-${w.id}`, summariseQueries(evidence)).then(
      () => `watch-${w.id}`,
      () => undefined,
    );
    await save({ diagnosis: JSON.stringify(diagnosis), ...(alertsAtOpen === undefined ? {} : { alertsAtOpen }), ...(queriesId === undefined ? {} : { queriesId }) });
    log.info({ cluster: w.cluster, headline: diagnosis.headline }, 'warning diagnosed');
  }
  const diagnosis = JSON.parse(th.diagnosis!) as Diagnosis;

  const key = watchParentKey(w.id);
  if (th.parentTs === undefined && th.parentPostingAt !== undefined) {
    const find = deps.slack.findParent;
    const adopted = await recoverParent(
      find === undefined ? undefined : (channel, k, since) => find.call(deps.slack, channel, k, since),
      { kind: 'watch', channel: t.channel, key, sinceMs: th.parentPostingAt },
      { metrics: deps.metrics, logger: log },
    );
    // Adopted without a hash: the edit below brings it to the current state.
    if (adopted !== undefined) await save({ parentTs: adopted });
  }
  const parent = parentFor(w, th);
  if (th.parentTs === undefined) {
    await save({ parentPostingAt: Date.now() });
    const { ts } = await deps.slack.postMessage({ channel: t.channel, ...parent, metadata: parentMetadata(key) });
    await save({ parentTs: ts, parentHash: hashOf(parent) });
    log.info({ cluster: w.cluster, channel: t.channel, ts }, 'warning thread opened');
  } else if (th.parentHash !== hashOf(parent)) {
    await deps.slack.update({ channel: t.channel, ts: th.parentTs, ...parent });
    await save({ parentHash: hashOf(parent) });
  }
  const parentTs = th.parentTs!;

  const outbox = await deps.store.outbox(w.id);
  if (th.replyPostingAt !== undefined && th.replyPostingIndex === th.posted && th.posted < outbox.length) {
    // Like the parent: an earlier attempt started posting this reply and never recorded it.
    const adopted = await recoverReply(
      deps.slack.findReply?.bind(deps.slack),
      parentTs,
      { kind: 'watch', channel: t.channel, key: watchReplyKey(w.id, th.posted), sinceMs: th.replyPostingAt },
      { metrics: deps.metrics, logger: log },
    );
    if (adopted !== undefined) await save({ posted: th.posted + 1 });
  }
  for (let i = th.posted; i < outbox.length; i++) {
    const item = outbox[i]!;
    await save({ replyPostingAt: Date.now(), replyPostingIndex: i });
    await deps.slack.postMessage({ channel: t.channel, thread_ts: parentTs, ...watchReplyMessage(item, w, diagnosis), metadata: parentMetadata(watchReplyKey(w.id, i)) });
    await save({ posted: i + 1 });
    if (item.kind === 'opened') await chartsOnce();
  }
  // A retry after the first reply went out still owes its charts.
  if (th.posted > 0 && outbox[0]?.kind === 'opened') await chartsOnce();

  async function chartsOnce(): Promise<void> {
    if (th.chartsDone === true) return;
    const interrupted = th.chartPostingAt !== undefined && th.chartPostingIndex === th.chartsPosted;
    const progress = { posted: th.chartsPosted, ...(interrupted ? { postingAt: th.chartPostingAt! } : {}) };
    // Stored as an index with its time (a hash field is never removed): stale once chartsPosted passes it.
    const saveProgress = (p: ChartProgress): Promise<void> =>
      save(p.postingAt === undefined ? { chartsPosted: p.posted } : { chartPostingAt: p.postingAt, chartPostingIndex: p.posted });
    await postWarningCharts(t, w!, diagnosis, parentTs, progress, saveProgress, deps, log);
    await save({ chartsDone: true });
  }
}

/** The charts follow the first reply; they never hold the text back, and a missing one is one line. */
async function postWarningCharts(
  t: ThreadTarget,
  w: Warning,
  diagnosis: Diagnosis,
  parentTs: string,
  progress: ChartProgress,
  save: (p: ChartProgress) => Promise<void>,
  deps: WatchThreadDeps,
  log: Logger,
): Promise<void> {
  const poster = chartPoster(deps.slack);
  if (poster === undefined) return;
  const raw = await deps.store.evidence(w.id);
  const parsed = raw === undefined ? undefined : parseEvidenceBundle(raw);
  if (parsed === undefined || !parsed.ok) return;
  const inputs = await collectChartData(diagnosis, parsed.evidence, deps.run.playbooks, deps.run.prometheus.forCluster(w.cluster));
  if (inputs.length <= progress.posted) return;
  await postCharts(
    poster,
    await drawCharts(w.cluster, inputs),
    {
      where: { channel: t.channel, thread_ts: parentTs },
      kind: 'watch',
      key: watchParentKey(w.id),
      progress,
      save,
      metrics: deps.metrics,
      logger: log,
      missingMessage: 'chart missing from the warning thread',
    },
  );
}
