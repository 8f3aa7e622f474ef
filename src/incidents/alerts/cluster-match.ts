import type { AlertmanagerConfig, Config } from '../../config/schema.js';

export type ClusterMatch =
  | { kind: 'cluster'; cluster: string; channel: string; memberLabel: string }
  | { kind: 'fallback'; channel: string }
  | { kind: 'drop' };

/**
 * Which configured cluster an alert group belongs to, from its labels only:
 * 1. a label named in `alertmanager.clusterLabels` whose value is a cluster name;
 * 2. else the first cluster whose `alerts.match` (default: its Prometheus selector) all match.
 * The group's common labels are tried first, then each alert's. No match → the fallback channel, or
 * drop when configured so; the caller counts both.
 */
export function matchCluster(config: Config, am: AlertmanagerConfig, labelSets: Array<Record<string, string>>): ClusterMatch {
  for (const labels of labelSets) {
    const name = pickCluster(config, am, labels);
    if (name === undefined) continue;
    const c = config.clusters[name]!;
    const channel = c.alerts?.channel ?? c.slack?.channels[0] ?? am.fallbackChannel;
    if (channel === undefined) continue;
    return { kind: 'cluster', cluster: name, channel, memberLabel: c.memberLabel };
  }
  if (am.fallbackChannel !== undefined && !am.dropUnmatched) return { kind: 'fallback', channel: am.fallbackChannel };
  return { kind: 'drop' };
}

function pickCluster(config: Config, am: AlertmanagerConfig, labels: Record<string, string>): string | undefined {
  for (const l of am.clusterLabels) {
    const v = labels[l];
    if (v !== undefined && config.clusters[v] !== undefined) return v;
  }
  for (const [name, c] of Object.entries(config.clusters)) {
    const match = c.alerts?.match ?? c.selector;
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) return name;
  }
  return undefined;
}
