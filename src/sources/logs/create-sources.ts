import type { ClusterConfig, LogSourceConfig } from '../../config/schema.js';
import { errorMessage, mergeResults } from './collect.js';
import { FileLogSource } from './file-source.js';
import { KubernetesLogSource } from './kubernetes-source.js';
import { LokiLogSource } from './loki-source.js';
import type { LogFetchQuery, LogFetchResult, LogSource } from './types.js';

export interface LogSourceFactoryOptions {
  env?: NodeJS.ProcessEnv;
}

export function createLogSource(cfg: LogSourceConfig, opts: LogSourceFactoryOptions = {}): LogSource {
  switch (cfg.type) {
    case 'file':
      return new FileLogSource(cfg);
    case 'kubernetes':
      return new KubernetesLogSource(cfg, opts);
    case 'loki':
      return new LokiLogSource(cfg, opts);
  }
}

/** One source per `logs` entry of the cluster. */
export function createLogSources(cluster: ClusterConfig, opts: LogSourceFactoryOptions = {}): LogSource[] {
  return cluster.logs.map((cfg) => createLogSource(cfg, opts));
}

export interface FetchAllQuery extends Omit<LogFetchQuery, 'signal'> {
  /** Hard deadline for the whole fetch; sources stop and return what they have. */
  deadlineMs: number;
  signal?: AbortSignal;
}

/**
 * All sources at once, under one deadline. Partial is fine: a failed or slow source is listed in
 * `errors` / `truncated` and never costs the events the others returned.
 */
export async function fetchAllLogs(sources: readonly LogSource[], q: FetchAllQuery): Promise<LogFetchResult> {
  const timeout = AbortSignal.timeout(q.deadlineMs);
  const signal = q.signal ? AbortSignal.any([q.signal, timeout]) : timeout;
  const { deadlineMs: _deadline, signal: _signal, ...rest } = q;
  const parts = await Promise.all(
    sources.map(async (s): Promise<LogFetchResult> => {
      try {
        return await s.fetch({ ...rest, signal });
      } catch (err) {
        // Sources are written not to reject; this is the belt to those braces.
        return { events: [], stats: {}, truncated: [], errors: [{ source: s.name, member: null, message: errorMessage(err) }] };
      }
    }),
  );
  return mergeResults(parts);
}
