import { parseDuration } from './duration.js';
import type { ClusterConfig, Config } from './schema.js';

/*
 * The watch settings of one cluster, resolved from the parsed config: apart from the schema
 * (watch-schema.ts), which schema.ts itself reads.
 */

/** What the watch of one cluster runs with: the global section, overridden by the cluster's own. */
export interface WatchSettings {
  enabled: boolean;
  intervalSeconds: number;
  /** Undefined only for a cluster with no Slack channel at all (then it cannot be watched: see watchProblems). */
  channel: string | undefined;
  openAfter: number;
  recoverAfter: number;
  /** Delay of the confirming evaluation after a first sighting; 0 when there is none. */
  confirmAfterSeconds: number;
  rememberSeconds: number;
}

export function watchSettings(config: Pick<Config, 'watch' | 'clusters'>, cluster: string): WatchSettings {
  const g = config.watch;
  const c: ClusterConfig | undefined = Object.hasOwn(config.clusters, cluster) ? config.clusters[cluster] : undefined;
  const o = c?.watch ?? {};
  return {
    enabled: c !== undefined && (o.enabled ?? g.enabled),
    intervalSeconds: o.intervalSeconds ?? g.intervalSeconds,
    channel: o.channel ?? g.channel ?? c?.alerts?.channel ?? c?.slack?.channels[0],
    openAfter: o.hysteresis?.openAfter ?? g.hysteresis.openAfter,
    recoverAfter: o.hysteresis?.recoverAfter ?? g.hysteresis.recoverAfter,
    confirmAfterSeconds: o.hysteresis?.confirmAfterSeconds ?? g.hysteresis.confirmAfterSeconds,
    // The schema admits only durations parseDuration reads.
    rememberSeconds: parseDuration(o.rememberFor ?? g.rememberFor)!,
  };
}

/** Names of the clusters whose watch is on, sorted. */
export function watchedClusters(config: Pick<Config, 'watch' | 'clusters'>): string[] {
  return Object.keys(config.clusters)
    .filter((name) => watchSettings(config, name).enabled)
    .sort();
}

/** Watch settings that depend on the rest of the config, each naming its path. */
export function watchProblems(config: Pick<Config, 'watch' | 'clusters'>): string[] {
  const problems: string[] = [];
  for (const name of watchedClusters(config)) {
    if (watchSettings(config, name).channel === undefined) {
      problems.push(`clusters.${name}.watch.channel: the watch is on but the cluster has no channel to warn in (set watch.channel, alerts.channel or slack.channels)`);
    }
  }
  return problems;
}
