import type { DiagnosisRequest } from '../../../diagnosis/request.js';
import { formatDuration } from '../../../diagnosis/window.js';
import * as say from '../commands/messages.js';
import * as answer from './answers.js';
import type { ActionDeps, Click, ClickResult } from './click.js';

/** The window of the diagnosis the button sits under: its own, or the alert triage window for alert threads. */
export function shownWindowSeconds(click: Click, deps: ActionDeps): number {
  if (click.value.w !== undefined) return click.value.w;
  return click.value.g !== undefined ? deps.alertWindowSeconds : deps.defaultWindowSeconds;
}

/**
 * Queues a diagnosis of the clicked cluster over `windowSeconds`, ending now, answered in the clicked
 * thread, through the same queue (and deduplication) as `/etcd why-slow`.
 */
export async function rediagnose(click: Click, deps: ActionDeps, windowSeconds: number, action: 'rerun' | 'widen'): Promise<ClickResult> {
  const request: DiagnosisRequest = {
    cluster: click.clusterName,
    windowSeconds,
    origin: { kind: 'slack-command', channelId: click.channelId, userId: click.userId, threadTs: click.threadTs },
  };
  let queued;
  try {
    queued = await deps.enqueueDiagnosis(request);
  } catch (err) {
    deps.logger.error({ err, cluster: click.clusterName }, 'could not enqueue diagnosis from a button');
    return { text: say.couldNotQueue(click.clusterName) };
  }
  return {
    text: answer.rerunQueued(click.clusterName, formatDuration(windowSeconds), queued.deduplicated),
    recorded: { action, ref: queued.jobId },
  };
}

/** Re-run: the same cluster and window, ending now. */
export function rerun(click: Click, deps: ActionDeps): Promise<ClickResult> {
  return rediagnose(click, deps, shownWindowSeconds(click, deps), 'rerun');
}
