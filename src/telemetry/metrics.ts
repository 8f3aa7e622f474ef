import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** Metrics of another process, as prom-client's getMetricsAsJSON() gives them. */
export type MetricsSnapshot = Array<MetricObjectWithValues<MetricValue<string>>>;

/** The bot's own metrics, served on GET /metrics. One registry per process (tests make several). */
export class Metrics {
  readonly registry = new Registry();
  readonly commandsReceived = new Counter({
    name: 'etcd_triage_commands_received_total',
    help: 'Slash commands received, by subcommand and outcome (queued, deduplicated, rejected reason).',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: 'etcd_triage_jobs_total',
    help: 'Jobs finished, by queue and outcome (completed, failed, retried).',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly diagnosisDuration = new Histogram({
    name: 'etcd_triage_diagnosis_duration_seconds',
    help: 'Time to collect evidence and diagnose one request.',
    labelNames: ['cluster'] as const,
    buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 20, 30],
    registers: [this.registry],
  });
  readonly prometheusQueries = new Counter({
    name: 'etcd_triage_prometheus_queries_total',
    help: 'Queries sent to the clusters\' Prometheus, by cluster and outcome.',
    labelNames: ['cluster', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly alertsReceived = new Counter({
    name: 'etcd_triage_alerts_received_total',
    help: 'Alerts in accepted Alertmanager notifications, by alert status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly webhookRejected = new Counter({
    name: 'etcd_triage_webhook_rejected_total',
    help: 'Alertmanager notifications refused, by reason (unauthorized, too_large, bad_json, bad_schema, redis_unavailable).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly alertsTruncated = new Counter({
    name: 'etcd_triage_alerts_truncated_total',
    help: 'Alerts left out of accepted notifications (counted in the thread), by who left them out: alertmanager (its max_alerts) or etcd-triage (alertmanager.maxAlertsPerNotification).',
    labelNames: ['by'] as const,
    registers: [this.registry],
  });
  readonly webhookLatency = new Histogram({
    name: 'etcd_triage_webhook_accept_seconds',
    help: 'Time from a webhook request to its 2xx answer (durably queued).',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly alertsUnmatched = new Counter({
    name: 'etcd_triage_alerts_unmatched_total',
    help: 'Alert groups whose labels match no configured cluster, by what was done (fallback, dropped).',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly watchEvaluations = new Counter({
    name: 'etcd_triage_watch_evaluations_total',
    help: 'Watch evaluations, by cluster and outcome (applied; repeat: a retried tick, applied before; unreadable: Prometheus gave nothing).',
    labelNames: ['cluster', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly watchWarnings = new Counter({
    name: 'etcd_triage_watch_warnings_total',
    help: 'Watch warning transitions, by action (opened, changed, recovered).',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly alertGroupsOpen = new Gauge({
    name: 'etcd_triage_alert_groups_open',
    help: 'Alert groups currently firing (one Slack thread each).',
    registers: [this.registry],
  });
  readonly alertThreadsCreated = new Counter({
    name: 'etcd_triage_alert_threads_created_total',
    help: 'Slack threads opened for alert groups.',
    registers: [this.registry],
  });
  readonly slackApiErrors = new Counter({
    name: 'etcd_triage_slack_api_errors_total',
    help: 'Failed Slack Web API attempts, by method and Slack error.',
    labelNames: ['method', 'error'] as const,
    registers: [this.registry],
  });
  readonly parentLookups = new Counter({
    name: 'etcd_triage_parent_lookups_total',
    help: 'Messages (parents, thread replies, charts; by the kind of thread) looked up in Slack before posting again (a previous attempt may have posted): adopted, not_found, or failed (posted anyway).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly alertToVerdict = new Histogram({
    name: 'etcd_triage_alert_to_verdict_seconds',
    help: 'Time from receiving an Alertmanager notification to its triage verdict posted in Slack.',
    buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  /** Other processes whose metrics this process serves too (the worker process under `start`). */
  private readonly sources: Array<() => Promise<MetricsSnapshot | undefined>> = [];

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'etcd_triage_' });
  }

  /** Adds a process whose metrics are merged into what GET /metrics serves. */
  addSource(snapshot: () => Promise<MetricsSnapshot | undefined>): void {
    this.sources.push(snapshot);
  }

  /**
   * The text GET /metrics serves: this process's metrics, merged with those of its sources by
   * prom-client's own aggregation (counters and histograms summed across processes), so one scrape of
   * `start` sees the jobs, Slack errors and verdict times counted in its worker process. A source that
   * does not answer is left out of that scrape.
   */
  async render(): Promise<string> {
    if (this.sources.length === 0) return this.registry.metrics();
    const others = await Promise.all(this.sources.map((s) => s().catch(() => undefined)));
    const snapshots = [await this.registry.getMetricsAsJSON(), ...others.filter((o): o is MetricsSnapshot => o !== undefined)];
    return AggregatorRegistry.aggregate(snapshots).metrics();
  }
}
