import type { ClusterConfig } from '../config/schema.js';
import type { PrometheusClient } from '../sources/prometheus/client.js';
import { PrometheusError } from '../sources/prometheus/errors.js';
import type { Playbook } from './playbook/schema.js';
import { EVIDENCE_FORMAT, type Evidence, type LogEvidence, type QueryRecord } from './evidence.js';
import { planQueries, windowVars, type PlannedQuery } from './query-plan.js';

export interface CollectOptions {
  clusterName: string;
  cluster: ClusterConfig;
  playbooks: Playbook[];
  prometheus: PrometheusClient;
  windowSeconds: number;
  /** Unix seconds; default now. */
  end?: number;
  /** Fetches the cluster's logs for the window; absent when none are configured. */
  collectLogs?: (start: number, end: number, signal: AbortSignal) => Promise<LogEvidence>;
  /** Queries in flight at once against this Prometheus. */
  concurrency?: number;
  /** The whole collection is time-boxed: partial evidence beats a late answer. */
  budgetMs?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs every query the chosen playbooks need (deduplicated, bounded concurrency, time-boxed) and reads
 * the logs alongside. Failures are recorded per query, never thrown: the diagnosis states what is missing.
 */
export async function collectEvidence(opts: CollectOptions): Promise<Evidence> {
  const started = Date.now();
  const end = Math.floor(opts.end ?? Date.now() / 1000);
  const vars = windowVars(opts.cluster, opts.windowSeconds);
  const start = end - opts.windowSeconds;
  const plan = planQueries(opts.playbooks, vars);
  const budget = AbortSignal.timeout(opts.budgetMs ?? 20_000);
  const records: QueryRecord[] = new Array(plan.length);
  let done = 0;
  let next = 0;

  const runOne = async (q: PlannedQuery): Promise<QueryRecord> => {
    const t0 = Date.now();
    const base: QueryRecord =
      q.kind === 'instant'
        ? { kind: q.kind, promql: q.promql, time: end, durationMs: 0 }
        : { kind: q.kind, promql: q.promql, start, end, step: vars.stepSeconds, durationMs: 0 };
    if (budget.aborted) return { ...base, error: { kind: 'skipped', message: 'time budget for evidence used up' } };
    try {
      const result =
        q.kind === 'instant'
          ? (await opts.prometheus.instant(q.promql, end, budget)).map((s) => ({ labels: s.labels, points: [{ t: s.t, v: s.v }] }))
          : await opts.prometheus.range(q.promql, start, end, vars.stepSeconds, budget);
      return { ...base, result, durationMs: Date.now() - t0 };
    } catch (err) {
      const e = err instanceof PrometheusError ? err : new PrometheusError('unreachable', String(err));
      return { ...base, error: { kind: e.kind, message: e.message }, durationMs: Date.now() - t0 };
    }
  };

  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const i = next++;
      records[i] = await runOne(plan[i]!);
      done++;
      opts.onProgress?.(done, plan.length);
    }
  };
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 6, plan.length));
  const logsPromise = opts.collectLogs?.(start, end, budget).catch(
    (err: unknown): LogEvidence => ({
      sources: [],
      events: [],
      errors: [{ source: 'logs', message: err instanceof Error ? err.message : String(err) }],
      truncated: false,
    }),
  );
  await Promise.all(Array.from({ length: concurrency }, worker));
  const logs = await logsPromise;

  return {
    format: EVIDENCE_FORMAT,
    cluster: opts.clusterName,
    memberLabel: opts.cluster.memberLabel,
    selector: vars.selector,
    nodeSelector: vars.nodeSelector,
    window: { start, end, seconds: opts.windowSeconds, rateSeconds: vars.rateSeconds, stepSeconds: vars.stepSeconds },
    prometheusUrl: opts.prometheus.url,
    collectedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    playbooks: opts.playbooks.map((p) => p.id),
    queries: records,
    logs,
  };
}
