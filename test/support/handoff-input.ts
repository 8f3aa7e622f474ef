import type { ClusterHandoffInput } from '../../src/handoff/build.js';

/** What buildClusterHandoff reads for one cluster: a healthy, empty period of `prod`, then `over`. */
export const handoffInput = (sinceMs: number, untilMs: number, over: Partial<ClusterHandoffInput> = {}): ClusterHandoffInput => ({
  cluster: 'prod',
  sinceMs,
  untilMs,
  events: [],
  open: [],
  permalinks: new Map(),
  threads: new Map(),
  health: { status: 'healthy', headline: 'etcd looks healthy', window_seconds: 300 },
  trends: [],
  watch: [],
  silences: [],
  notes: [],
  maxIncidents: 15,
  ...over,
});
