import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'etcd_triage_' });
  }
}
