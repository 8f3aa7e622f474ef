import type { Worker } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { AlertmanagerConfig, Config } from '../../config/schema.js';
import { ChannelPacer } from '../../delivery/channel-pacer.js';
import { SlackDelivery } from '../../delivery/slack-client.js';
import type { Playbook } from '../../diagnosis/playbook/schema.js';
import { parseDuration } from '../../config/duration.js';
import { IncidentStore } from '../../incidents/alerts/incident-store.js';
import { TimelineIncidentStore } from '../../incidents/alerts/timeline-incident-store.js';
import { TimelineStore } from '../../incidents/timeline/timeline-store.js';
import type { LogCollector } from '../../diagnosis/evidence/log-collector.js';
import type { PrometheusRegistry } from '../../sources/prometheus/registry.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { SharedEvidence } from './evidence-share.js';
import { startAlertIntakeWorker } from './intake-worker.js';
import { AlertFollowUps } from './queues.js';
import { startAlertTriageWorker } from './triage-worker.js';
import { RedisChannelPacer } from '../delivery/redis-channel-pacer.js';
import { slackErrorLabel, startDeliveryWorker } from '../delivery/worker.js';
import { DEFAULT_PREFIX } from '../names.js';
import { QueryRecordStore } from '../../incidents/query-records.js';
import { redisConnection } from '../redis.js';
import { linkAlertToWarning } from '../watch/alert-link.js';
import { WatchStore } from '../../incidents/watch/watch-store.js';

export interface AlertPipelineOptions {
  config: Config;
  alertmanager: AlertmanagerConfig;
  playbooks: Playbook[];
  prometheus: PrometheusRegistry;
  /** Reads the clusters' etcd logs for the triage (absent: metrics only). */
  collectLogs?: LogCollector;
  redisUrl: string;
  prefix?: string;
  botToken: string;
  slackApiUrl?: string;
  metrics: Metrics;
  logger: Logger;
}

export interface AlertPipeline {
  store: IncidentStore;
  evidence: SharedEvidence;
  workers: Worker[];
  stop(): Promise<void>;
}

/**
 * The worker side of alert auto-triage: intake (notification → group state), triage (shared evidence →
 * verdict) and Slack delivery (paced per channel across processes). Each BullMQ worker has its own
 * connection; the store and the producers share one.
 */
export function startAlertPipeline(opts: AlertPipelineOptions): AlertPipeline {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const am = opts.alertmanager;
  const conns: RedisClient[] = [];
  const conn = (purpose: string): RedisClient => {
    const c = redisConnection(opts.redisUrl, purpose);
    conns.push(c);
    return c;
  };
  const shared = conn('alerts');
  // Every group change is also appended to its cluster's timeline, which the shift handoff reads.
  const timeline = new TimelineStore(shared, { prefix, ...opts.config.handoff });
  const store: IncidentStore = new TimelineIncidentStore(shared, { prefix, historyDays: am.historyDays }, timeline);
  const followUps = new AlertFollowUps(shared, prefix, (err) => opts.logger.debug({ err: err.message }, 'alert queue connection error'));
  const evidence = new SharedEvidence({
    deps: { config: opts.config, playbooks: opts.playbooks, prometheus: opts.prometheus, collectLogs: opts.collectLogs },
    shareMs: am.shareEvidenceSeconds * 1000,
    redis: shared,
    prefix,
  });
  const slack = new SlackDelivery({
    botToken: opts.botToken,
    ...(opts.slackApiUrl === undefined ? {} : { slackApiUrl: opts.slackApiUrl }),
    logger: opts.logger,
    // Pacing is the Redis pacer's job (shared by all processes); the in-process one would only add delay.
    pacer: new ChannelPacer({ intervalMs: 0 }),
    // A 429 comes back to the delivery worker at once, which holds the channel (not the whole client)
    // back for Retry-After in Redis and retries; 5xx and network errors get one quick retry in place.
    retry: { maxAttempts: 2, maxRetryAfterMs: 0 },
    onApiError: (e) => opts.metrics.slackApiErrors.inc({ method: e.method, error: slackErrorLabel(e.error) }),
  });
  const common = { prefix, stalledSeconds: opts.config.jobs.stalledSeconds, metrics: opts.metrics, logger: opts.logger, store };
  const workers: Worker[] = [
    startAlertIntakeWorker({
      ...common,
      connection: conn('alert-intake'),
      concurrency: am.concurrency,
      config: opts.config,
      alertmanager: am,
      playbooks: opts.playbooks,
      followUps,
    }),
    startAlertTriageWorker({
      ...common,
      connection: conn('alert-triage'),
      concurrency: am.concurrency,
      playbooks: opts.playbooks,
      windowSeconds: parseDuration(am.triageWindow) ?? 900,
      evidence,
      prometheus: opts.prometheus,
      followUps,
      queryRecords: new QueryRecordStore(shared, { prefix }),
    }),
    startDeliveryWorker({
      ...common,
      connection: conn('slack-delivery'),
      // Delivery mostly waits for channel slots; many threads can wait at once.
      concurrency: am.concurrency * 4,
      slack,
      pacer: new RedisChannelPacer(shared, prefix),
      deliverAt: (d, at) => followUps.requestDeliveryAt(d, at),
      // An alert that fires while the watch has a warning open for its cluster joins that conversation.
      onThreadOpened: (g, ts, reply) =>
        linkAlertToWarning(g, ts, reply, { config: opts.config, store: new WatchStore(shared, prefix), permalink: (c, t) => slack.getPermalink(c, t), logger: opts.logger }),
    }),
  ];
  store.openCount().then(
    (n) => opts.metrics.alertGroupsOpen.set(n),
    () => undefined,
  );
  return {
    store,
    evidence,
    workers,
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
      await followUps.close();
      for (const c of conns) c.disconnect();
    },
  };
}
