import type { Config } from '../../config/schema.js';
import { createLogSources, fetchAllLogs } from '../../sources/logs/create-sources.js';
import type { LogSource } from '../../sources/logs/types.js';
import type { LogEvidence } from './evidence.js';

/** Reads one cluster's logs over [start, end]; the diagnosis' only way to its logs. */
export type LogCollector = (cluster: string, start: number, end: number, signal: AbortSignal) => Promise<LogEvidence>;

/**
 * Reads each cluster's configured log sources for the diagnosis window. Sources are created once per
 * cluster and reused; one deadline covers them all, and whatever they return (partial included)
 * becomes evidence, with every failure stated.
 */
export function createLogCollector(config: Config, env: NodeJS.ProcessEnv = process.env, deadlineMs = 8000): LogCollector & { close(): Promise<void> } {
  const byCluster = new Map<string, LogSource[]>();
  const sourcesOf = (cluster: string): LogSource[] => {
    let s = byCluster.get(cluster);
    if (!s) {
      const cfg = config.clusters[cluster];
      s = cfg ? createLogSources(cfg, { env }) : [];
      byCluster.set(cluster, s);
    }
    return s;
  };
  const collect = async (cluster: string, start: number, end: number, signal: AbortSignal): Promise<LogEvidence> => {
    const sources = sourcesOf(cluster);
    const result = await fetchAllLogs(sources, { start: start * 1000, end: end * 1000, deadlineMs, signal });
    const failedWhole = new Set(result.errors.filter((e) => e.member === null).map((e) => e.source));
    return {
      sources: sources.map((s) => s.name).filter((n) => !failedWhole.has(n)),
      events: result.events,
      errors: result.errors.map((e) => ({ source: e.source, ...(e.member === null ? {} : { member: e.member }), message: e.message })),
      truncated: result.truncated.length > 0,
    };
  };
  return Object.assign(collect, {
    close: async () => {
      await Promise.all([...byCluster.values()].flat().map((s) => s.close?.()));
    },
  });
}
