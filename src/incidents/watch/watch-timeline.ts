import type { WatchTimelineEvent } from '../timeline/timeline-event.js';
import type { WatchAction } from './watch-transition.js';

/**
 * Timeline events for warning transitions. Ids are derived from the warning and what happened at
 * which moment, so a retried tick that appends them again leaves one event each.
 */
export function watchTimelineEvents(actions: readonly WatchAction[], channel: string): WatchTimelineEvent[] {
  return actions.map((a) => {
    const w = a.warning;
    const at = a.kind === 'opened' ? w.openedAt : a.kind === 'recovered' ? (w.recoveredAt ?? w.openedAt) : a.at;
    const common = {
      id: `watch.${w.id}.${a.kind}.${at}`,
      at,
      cluster: w.cluster,
      warningId: w.id,
      channel,
      since: w.since,
      causes: w.causes.map((c) => `${c.kind}@${c.member ?? 'all'}`),
      summaries: w.causes.map((c) => c.summary),
    };
    switch (a.kind) {
      case 'opened':
        return { ...common, kind: 'watch-opened' };
      case 'changed':
        return { ...common, kind: 'watch-changed' };
      case 'recovered':
        return { ...common, kind: 'watch-recovered', ...(w.recoveredAt === undefined ? {} : { recoveredAt: w.recoveredAt }) };
    }
  });
}
