import type { Config } from '../../config/schema.js';
import { watchSettings } from '../../config/watch-settings.js';
import type { TimelineStore } from '../../incidents/timeline/timeline-store.js';
import type { WatchStore } from '../../incidents/watch/watch-store.js';
import { watchStatusLine } from '../../report/watch/watch-status.js';

export interface StatusSources {
  config: Config;
  store: WatchStore;
  /** Open alert groups per cluster; absent: counted as none. */
  timeline?: Pick<TimelineStore, 'open'>;
}

/**
 * The status lines of `clusters`, in the order given, from Redis only (the last evaluation, the warning
 * state, the open alert groups): a few reads per cluster, never a Prometheus query, so the Slack front
 * answers at once however many clusters there are.
 */
export async function readStatusLines(src: StatusSources, clusters: readonly string[], now = Date.now()): Promise<string[]> {
  const last = await src.store.lastEvaluations(clusters);
  return Promise.all(
    clusters.map(async (cluster) => {
      const settings = watchSettings(src.config, cluster);
      const [state, open] = await Promise.all([src.store.state(cluster), src.timeline?.open(cluster) ?? Promise.resolve([])]);
      const evaluation = last.get(cluster);
      return watchStatusLine({
        cluster,
        watched: settings.enabled,
        intervalSeconds: settings.intervalSeconds,
        ...(evaluation === undefined ? {} : { evaluation }),
        state,
        openAlerts: open.length,
        now,
      });
    }),
  );
}
