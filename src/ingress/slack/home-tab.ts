import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ClusterConfig, Config } from '../../config/schema.js';
import { userAllowed } from './access.js';
import type { UserGroupDirectory } from './user-groups.js';

/**
 * `app_home_opened` → a job that publishes the user's Home tab. The event is acknowledged by Bolt at
 * once; drawing the tab is a worker's job, so the front never waits on anything but one enqueue.
 */
export function registerHomeTab(
  app: App,
  deps: { config: Config; userGroups: UserGroupDirectory; enqueue: (userId: string, clusters: string[]) => Promise<void>; logger: Logger },
): void {
  const { logger } = deps;
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await homeClusters(deps.config, event.user, deps.userGroups)
      .then((clusters) => deps.enqueue(event.user, clusters))
      .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not queue the Home tab'));
  });
}

/**
 * The clusters a user may see on the Home tab. The tab belongs to no channel, so the rule is the one
 * that does not depend on a channel: a cluster with a `slack` section (a cluster without one cannot be
 * queried from Slack at all), and, when it names user groups, only for their members.
 */
export async function homeClusters(config: Config, userId: string, groups: UserGroupDirectory): Promise<string[]> {
  const out: string[] = [];
  for (const [name, cluster] of Object.entries(config.clusters).sort(([a], [b]) => a.localeCompare(b)) as [string, ClusterConfig][]) {
    if (cluster.slack === undefined) continue;
    const check = await userAllowed(cluster, userId, groups);
    // A failed lookup shows less, never more.
    if (check.ok) out.push(name);
  }
  return out;
}
