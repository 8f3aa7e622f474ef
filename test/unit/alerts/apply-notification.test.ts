import { describe, expect, it } from 'vitest';
import { applyNotification, type ApplyContext } from '../../../src/incidents/alerts/apply-notification.js';
import type { GroupState } from '../../../src/incidents/alerts/group-state.js';
import type { Notification, NotificationAlert } from '../../../src/incidents/alerts/notification.js';

const ctx: ApplyContext = { gid: 'g1', cluster: 'lab', channel: 'C1', memberLabel: 'instance', reopenWithinMs: 3600_000 };
const T0 = Date.parse('2025-01-01T10:00:00Z');

function alert(instance: string, status: 'firing' | 'resolved' = 'firing', alertname = 'etcdHighFsyncDurations'): NotificationAlert {
  return {
    fingerprint: `${alertname}-${instance}`,
    status,
    labels: { alertname, instance, job: 'etcd', severity: instance.endsWith('1') ? 'critical' : 'warning' },
    annotations: {},
    startsAt: '2025-01-01T09:50:00Z',
    endsAt: status === 'resolved' ? '2025-01-01T10:20:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: '',
  };
}
function note(alerts: NotificationAlert[], at: number, status: 'firing' | 'resolved' = 'firing'): Notification {
  return { groupKey: '{}:{alertname="x"}', status, groupLabels: {}, commonLabels: {}, externalURL: '', truncatedAlerts: 0, alerts, receivedAt: at };
}

describe('applyNotification', () => {
  it('a first notification opens a thread and asks for a triage of its alert names and members', () => {
    const r = applyNotification(undefined, note([alert('a:1'), alert('b:2')], T0), ctx);
    expect(r.newThread).toBe(true);
    expect(r.next.status).toBe('firing');
    expect(r.next.incarnation).toBe(1);
    expect(r.triage).toEqual({ alertnames: ['etcdHighFsyncDurations'], members: ['a:1', 'b:2'] });
    expect(r.events.map((e) => e.kind)).toEqual(['fired']);
    expect(r.events[0]!.severity).toBe('critical');
  });

  it('an identical re-send changes nothing; an older notification is ignored', () => {
    const first = applyNotification(undefined, note([alert('a:1')], T0), ctx).next;
    const again = applyNotification(first, note([alert('a:1')], T0 + 60_000), ctx);
    expect(again.changed).toBe(false);
    expect(again.replies).toEqual([]);
    const stale = applyNotification(again.next, note([alert('a:1', 'resolved')], T0 + 30_000, 'resolved'), ctx);
    expect(stale.changed).toBe(false);
  });

  it('a new member adds a "changed" reply without a new triage; a new alert name asks for one', () => {
    const g = applyNotification(undefined, note([alert('a:1')], T0), ctx).next;
    const more = applyNotification(g, note([alert('a:1'), alert('b:2')], T0 + 1000), ctx);
    expect(more.replies).toMatchObject([{ kind: 'changed', added: [{ member: 'b:2' }], resolved: [] }]);
    expect(more.triage).toBeUndefined();
    const other = applyNotification(more.next, note([alert('a:1'), alert('b:2'), alert('a:1', 'firing', 'etcdNoLeader')], T0 + 2000), ctx);
    expect(other.triage).toEqual({ alertnames: ['etcdNoLeader'], members: ['a:1'] });
  });

  it('resolution closes the group with its duration; firing again soon reopens the same thread, later opens a new one', () => {
    const g = applyNotification(undefined, note([alert('a:1')], T0), ctx).next;
    const resolved = applyNotification(g, note([alert('a:1', 'resolved')], T0 + 1000, 'resolved'), ctx);
    expect(resolved.next.status).toBe('resolved');
    expect(resolved.replies).toEqual([{ kind: 'resolved', durationMs: 30 * 60_000 }]);
    const reopened = applyNotification(resolved.next, note([alert('a:1')], T0 + 60_000), ctx);
    expect(reopened.newThread).toBe(false);
    expect(reopened.next.reopened).toBe(1);
    expect(reopened.replies[0]!.kind).toBe('reopened');
    expect(reopened.triage).toBeDefined();
    const later = applyNotification(resolved.next, note([alert('a:1')], Date.parse('2025-01-01T12:00:00Z')), ctx);
    expect(later.newThread).toBe(true);
    expect(later.next.incarnation).toBe(2);
  });

  it('an alert missing from a full snapshot has resolved; from a truncated one, nothing is concluded', () => {
    const g: GroupState = applyNotification(undefined, note([alert('a:1'), alert('b:2')], T0), ctx).next;
    const gone = applyNotification(g, note([alert('a:1')], T0 + 1000), ctx);
    expect(gone.replies).toMatchObject([{ kind: 'changed', resolved: [{ member: 'b:2' }] }]);
    const truncated = applyNotification(g, { ...note([alert('a:1')], T0 + 1000), truncatedAlerts: 1 }, ctx);
    // Only the parent's "1 more not listed" changes: no alert is taken as resolved, nothing said in the thread.
    expect(truncated.replies).toEqual([]);
    expect(truncated.events).toEqual([]);
    expect(Object.values(truncated.next.alerts).map((a) => a.status)).toEqual(['firing', 'firing']);
    expect(truncated.next.truncatedAlerts).toBe(1);
  });
});
