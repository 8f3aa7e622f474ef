import type { Cluster, Redis } from 'ioredis';
import type { IncidentEvent } from './events.js';
import type { GroupState } from './group-state.js';
import { IncidentStore, type StoredReply } from './incident-store.js';
import { alertTimelineEvents } from './timeline-record.js';
import type { TimelineSink } from '../timeline/timeline-store.js';

/**
 * The incident store that also writes every group change to the cluster's timeline. The timeline is
 * written first: if the group commit then fails, the job is retried, produces the same events with the
 * same ids (the state it starts from is unchanged), and the timeline keeps one copy of each. Writing it
 * second could lose events, because a retry after a successful commit sees nothing new.
 */
export class TimelineIncidentStore extends IncidentStore {
  constructor(
    redis: Redis | Cluster,
    opts: { prefix: string; historyDays: number },
    private readonly timeline: TimelineSink,
  ) {
    super(redis, opts);
  }

  override async commit(g: GroupState, change: { events: IncidentEvent[]; replies: StoredReply[] }): Promise<void> {
    await this.timeline.append(alertTimelineEvents(change.events, g));
    await super.commit(g, change);
  }
}
