import type { ClusterConfig } from '../../config/schema.js';
import type { PrometheusClient } from '../../sources/prometheus/client.js';
import { PrometheusError } from '../../sources/prometheus/errors.js';
import type { Playbook } from '../playbook/schema.js';
import { BASELINE_OFFSET, EVIDENCE_FORMAT, type BaselinePurpose, type Evidence, type LogEvidence, type QueryRecord } from './evidence.js';
import { planBaselines, planQueries, windowVars } from './query-plan.js';
import type { PlannedQuery } from './query-vars.js';

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
  const baselines = planBaselines(opts.playbooks, vars);
  const budget = AbortSignal.timeout(opts.budgetMs ?? 20_000);
  let done = 0;
  const total = plan.length + baselines.length;

  const runOne = async (q: PlannedQuery, purpose?: BaselinePurpose): Promise<QueryRecord> => {
    const t0 = Date.now();
    const at = purpose ? end - BASELINE_OFFSET[purpose] : end;
    const base: QueryRecord =
      q.kind === 'instant'
        ? { kind: q.kind, promql: q.promql, time: at, durationMs: 0, ...(purpose ? { purpose } : {}) }
        : { kind: q.kind, promql: q.promql, start, end, step: vars.stepSeconds, durationMs: 0 };
    if (budget.aborted) return { ...base, error: { kind: 'skipped', message: 'time budget for evidence used up' } };
    try {
      const answer =
        q.kind === 'instant'
          ? await opts.prometheus.instantAnswer(q.promql, at, budget).then((a) => ({
              ...a,
              result: a.result.map((s) => ({ labels: s.labels, points: [{ t: s.t, v: s.v }] })),
            }))
          : await opts.prometheus.rangeAnswer(q.promql, start, end, vars.stepSeconds, budget);
      const warnings = answer.warnings.length > 0 ? { warnings: answer.warnings } : {};
      return { ...base, result: answer.result, ...warnings, durationMs: Date.now() - t0 };
    } catch (err) {
      const e = err instanceof PrometheusError ? err : new PrometheusError('unreachable', String(err));
      return { ...base, error: { kind: e.kind, message: e.message }, durationMs: Date.now() - t0 };
    }
  };

  const concurrency = Math.max(1, opts.concurrency ?? 6);
  /** Runs a batch with bounded concurrency, keeping the order of the batch. */
  const runAll = async (batch: PlannedQuery[], purpose?: BaselinePurpose): Promise<QueryRecord[]> => {
    const out: QueryRecord[] = new Array(batch.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const i = next++;
        out[i] = await runOne(batch[i]!, purpose);
        done++;
        opts.onProgress?.(done, total);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
    return out;
  };
  const logsPromise = opts.collectLogs?.(start, end, budget).catch(
    (err: unknown): LogEvidence => ({
      sources: [],
      events: [],
      errors: [{ source: 'logs', message: err instanceof Error ? err.message : String(err) }],
      truncated: false,
    }),
  );
  const records = await runAll(plan);
  // A day earlier first; only where that had no data, the hour before (a fresh cluster, short retention).
  const day = await runAll(baselines, 'baseline-day');
  const noData = baselines.filter((_, i) => !day[i]!.error && (day[i]!.result ?? []).length === 0);
  const hour = noData.length > 0 ? await runAll(noData, 'baseline-hour') : [];
  const logs = await logsPromise;

  return {
    format: EVIDENCE_FORMAT,
    cluster: opts.clusterName,
    memberLabel: opts.cluster.memberLabel,
    selector: vars.selector,
    nodeSelector: vars.nodeSelector,
    ...(opts.cluster.nodeExporter ? { nodeMatch: opts.cluster.nodeExporter.match } : {}),
    ...(opts.cluster.nodeExporter?.device !== undefined ? { nodeDevice: opts.cluster.nodeExporter.device } : {}),
    ...(opts.cluster.members?.displayLabel !== undefined ? { displayLabel: opts.cluster.members.displayLabel } : {}),
    window: { start, end, seconds: opts.windowSeconds, rateSeconds: vars.rateSeconds, stepSeconds: vars.stepSeconds },
    prometheusUrl: opts.prometheus.url,
    tuning: { ...opts.cluster.tuning },
    collectedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    playbooks: opts.playbooks.map((p) => p.id),
    queries: [...records, ...day, ...hour],
    logs,
  };
}
