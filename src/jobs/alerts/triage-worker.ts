import { Worker, type Job } from 'bullmq';
import { diagnose } from '../../diagnosis/judge/diagnose.js';
import type { Playbook } from '../../diagnosis/playbook/schema.js';
import type { IncidentStore } from '../../incidents/alerts/incident-store.js';
import { alertTriageMessage, memberNameMap } from '../../report/alerts/alert-triage.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { SharedEvidence } from './evidence-share.js';
import { playbooksForAlerts } from './playbooks.js';
import { ALERT_QUEUES, triageJobSchema, type AlertFollowUps, type TriageJobData } from './queues.js';
import { workerOptions, type QueueWorkerBase } from '../worker-options.js';
import { summariseQueries } from '../../diagnosis/evidence/query-summary.js';
import { triageQueriesId, type QueryRecordStore } from '../../incidents/query-records.js';
import { instrumentWorker } from '../instrument-worker.js';
import { collectChartData } from '../../diagnosis/chart-series.js';
import type { PrometheusRegistry } from '../../sources/prometheus/registry.js';

export interface TriageWorkerOptions extends QueueWorkerBase {
  concurrency: number;
  playbooks: Playbook[];
  windowSeconds: number;
  evidence: SharedEvidence;
  store: IncidentStore;
  followUps: AlertFollowUps;
  /** Where the triage's queries are kept for the thread's Show queries button. */
  queryRecords?: QueryRecordStore;
  metrics: Metrics;
  logger: Logger;
  /** For the charts' range queries; without it, triage replies carry no charts. */
  prometheus?: PrometheusRegistry;
}

/**
 * Triage of an alert group: the shared evidence for its cluster, the diagnosis by the playbooks that
 * explain its alerts, and the verdict stored with the group and queued as a thread reply. Missing
 * evidence (Prometheus down, series absent) is part of the verdict, never a reason to stay silent.
 */
export function startAlertTriageWorker(opts: TriageWorkerOptions): Worker<TriageJobData> {
  const log = opts.logger.child({ component: 'alert-triage' });
  const worker = new Worker<TriageJobData>(ALERT_QUEUES.triage, (job) => triage(job, opts, log), workerOptions(opts, opts.concurrency));
  return instrumentWorker(worker, ALERT_QUEUES.triage, opts.metrics, log);
}

async function triage(job: Job<TriageJobData>, opts: TriageWorkerOptions, log: Logger): Promise<void> {
  const t = triageJobSchema.parse(job.data);
  const focus = playbooksForAlerts(opts.playbooks, t.alertnames);
  const end = opts.metrics.diagnosisDuration.startTimer({ cluster: t.cluster });
  const shared = await opts.evidence.get(t.cluster, opts.windowSeconds, { kind: 'alert', groupKey: t.groupKey, channelId: t.channel });
  const diagnosis = diagnose({ ...shared, playbooks: shared.playbooks.filter((id) => focus.includes(id)) }, opts.playbooks);
  end();
  const msg = alertTriageMessage(diagnosis, { alertnames: t.alertnames, members: t.members, playbooks: focus });
  // Fetched meanwhile and stored after the verdict: the charts follow it in the thread (drawn at
  // delivery) and never delay it.
  const charts = opts.prometheus ? collectChartData(diagnosis, shared, opts.playbooks, opts.prometheus.forCluster(t.cluster)) : Promise.resolve([]);
  // Before the verdict is committed: the parent's Show queries button appears with it.
  await opts.queryRecords
    ?.save(triageQueriesId(t.gid, t.incarnation, t.triageId), summariseQueries(shared))
    .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not keep the triage queries'));

  const lock = await opts.store.lockGroup(t.gid);
  try {
    const g = await opts.store.group(t.gid);
    if (g === undefined || g.incarnation !== t.incarnation || g.triage?.id !== t.triageId || g.triage.state === 'done') {
      log.info({ gid: t.gid, triageId: t.triageId }, 'triage result superseded; not posted');
      return;
    }
    const requestedAt = g.triage.requestedAt;
    const names = memberNameMap(diagnosis);
    const memberNames = Object.keys(names).length > 0 ? { memberNames: names } : {};
    const next = {
      ...g,
      version: g.version + 1,
      triage: {
        ...g.triage,
        state: 'done' as const,
        headline: diagnosis.headline,
        healthy: diagnosis.healthy,
        ...(diagnosis.causes[0] === undefined ? {} : { severity: diagnosis.causes[0].severity }),
        doneAt: new Date().toISOString(),
      },
      ...memberNames,
    };
    await opts.store.commit(next, {
      events: [
        {
          at: new Date().toISOString(),
          kind: 'triaged',
          gid: g.gid,
          incarnation: g.incarnation,
          cluster: g.cluster,
          alertnames: t.alertnames,
          members: t.members,
          verdict: {
            headline: diagnosis.headline,
            healthy: diagnosis.healthy,
            causes: diagnosis.causes.map((c) => `${c.playbook}/${c.cause}`),
          },
          ...memberNames,
        },
      ],
      replies: [{ kind: 'triage', text: msg.text, blocks: msg.blocks, alertReceivedAt: requestedAt }],
    });
    await opts.followUps.requestDelivery({ gid: g.gid, incarnation: g.incarnation, version: next.version });
    const chartReplies = (await charts).map((chart) => ({ kind: 'chart', text: chart.title, blocks: [], chart }));
    if (chartReplies.length > 0) {
      // Still under the group's lock: the state is the one just written, only the replies are new.
      await opts.store.commit(next, { events: [], replies: chartReplies });
      await opts.followUps.requestDelivery({ gid: g.gid, incarnation: g.incarnation, version: next.version }, 'charts');
    }
    log.info({ gid: g.gid, headline: diagnosis.headline, focus }, 'alert triaged');
  } finally {
    await lock.release();
  }
}
