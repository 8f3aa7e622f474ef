import { Worker, type Job } from 'bullmq';
import type { AlertmanagerConfig, Config } from '../../config/schema.js';
import type { Playbook } from '../../diagnosis/playbook/schema.js';
import { parseDuration } from '../../config/duration.js';
import { applyNotification } from '../../incidents/alerts/apply-notification.js';
import { matchCluster } from '../../incidents/alerts/cluster-match.js';
import { groupId, uniqueSorted, type GroupState } from '../../incidents/alerts/group-state.js';
import type { IncidentStore, StoredReply } from '../../incidents/alerts/incident-store.js';
import { notificationSchema, type Notification } from '../../incidents/alerts/notification.js';
import { alertReplyMessage } from '../../report/alerts/alert-thread.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { playbooksForAlerts } from './playbooks.js';
import { ALERT_QUEUES, type AlertFollowUps } from './queues.js';
import { workerOptions, type QueueWorkerBase } from '../worker-options.js';
import { instrumentWorker } from '../instrument-worker.js';

export interface IntakeWorkerOptions extends QueueWorkerBase {
  concurrency: number;
  config: Config;
  alertmanager: AlertmanagerConfig;
  playbooks: Playbook[];
  store: IncidentStore;
  followUps: AlertFollowUps;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Applies notifications to their group's state, one group at a time across all workers (a Redis lease
 * per group), and asks for what follows: a Slack delivery for the new state, a triage when one is due.
 */
export function startAlertIntakeWorker(opts: IntakeWorkerOptions): Worker<Notification> {
  const log = opts.logger.child({ component: 'alert-intake' });
  const worker = new Worker<Notification>(ALERT_QUEUES.intake, (job) => processNotification(job, opts, log), workerOptions(opts, opts.concurrency));
  return instrumentWorker(worker, ALERT_QUEUES.intake, opts.metrics, log);
}

async function processNotification(job: Job<Notification>, opts: IntakeWorkerOptions, log: Logger): Promise<void> {
  const n = notificationSchema.parse(job.data);
  const gid = groupId(n.groupKey);
  const lock = await opts.store.lockGroup(gid);
  try {
    const prev = await opts.store.group(gid);
    const labelSets = [n.commonLabels, ...n.alerts.map((a) => a.labels)];
    const match = matchCluster(opts.config, opts.alertmanager, labelSets);
    if (match.kind === 'drop') {
      opts.metrics.alertsUnmatched.inc({ action: 'dropped' }, n.alerts.length);
      if (prev === undefined) {
        log.warn({ groupKey: n.groupKey, alerts: n.alerts.length }, 'alerts match no cluster: dropped (alertmanager.dropUnmatched)');
        return;
      }
    } else if (match.kind === 'fallback') {
      opts.metrics.alertsUnmatched.inc({ action: 'fallback' }, n.alerts.length);
    }
    const cluster = match.kind === 'cluster' ? match.cluster : null;
    const channel = match.kind === 'drop' ? prev!.channel : match.channel;
    const memberLabel = match.kind === 'cluster' ? match.memberLabel : 'instance';

    const result = applyNotification(prev, n, {
      gid,
      cluster: prev?.cluster ?? cluster,
      channel: prev?.channel ?? channel,
      memberLabel,
      reopenWithinMs: (parseDuration(opts.alertmanager.reopenWithin) ?? 3600) * 1000,
    });
    let g: GroupState = result.next;
    if (result.newThread && prev !== undefined) {
      // A new thread for an old group: it may belong elsewhere now if the config changed.
      g = { ...g, cluster, channel };
    }
    if (result.changed) {
      if (result.triage !== undefined && g.cluster !== null) g = withTriage(g, result.triage, n.receivedAt, opts.playbooks);
      const replies: StoredReply[] = result.replies.map((r) => {
        const msg = alertReplyMessage(r, g);
        return { kind: r.kind, text: msg.text, blocks: msg.blocks };
      });
      await opts.store.commit(g, { events: result.events, replies });
      log.info({ gid, version: g.version, status: g.status, newThread: result.newThread }, 'alert group updated');
    }
    // Asked every time, even for an unchanged group: job ids make this idempotent, and a retry after a
    // crash between the commit and here still gets the delivery and triage queued.
    await opts.followUps.requestDelivery({ gid, incarnation: g.incarnation, version: g.version });
    if (g.triage?.state === 'pending' && g.cluster !== null) {
      await opts.followUps.requestTriage({
        gid,
        incarnation: g.incarnation,
        triageId: g.triage.id,
        cluster: g.cluster,
        groupKey: g.groupKey,
        channel: g.channel,
        alertnames: g.triage.alertnames,
        members: g.triage.members,
      });
    }
    opts.metrics.alertGroupsOpen.set(await opts.store.openCount());
  } finally {
    await lock.release();
  }
}

/** A triage is due: merge with one still pending so a newer request never loses the older alerts. */
function withTriage(
  g: GroupState,
  wanted: { alertnames: string[]; members: string[] },
  receivedAt: number,
  playbooks: Playbook[],
): GroupState {
  const pending = g.triage?.state === 'pending' ? g.triage : undefined;
  const alertnames = uniqueSorted([...(pending?.alertnames ?? []), ...wanted.alertnames]);
  if (playbooksForAlerts(playbooks, alertnames).length === 0) return g;
  const id = g.triageSeq + 1;
  return {
    ...g,
    triageSeq: id,
    triage: {
      id,
      state: 'pending',
      alertnames,
      members: uniqueSorted([...(pending?.members ?? []), ...wanted.members]),
      requestedAt: pending?.requestedAt ?? receivedAt,
    },
  };
}
