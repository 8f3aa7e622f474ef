import { describe, expect, it } from 'vitest';
import { groupStateSchema, type GroupState } from '../../../src/incidents/alerts/group-state.js';
import { ACTION } from '../../../src/report/action-buttons.js';
import { alertParentMessage } from '../../../src/report/alerts/alert-thread.js';

/**
 * The alert parent shows a silence as it stands at the time of rendering: active until its end, then
 * "ended", with the Silence menu offered again (a silence past its end mutes nothing).
 */
const ENDS_AT = '2026-11-30T16:00:00.000Z';
const END = Date.parse(ENDS_AT);

const silenced = (o: Partial<GroupState> = {}): GroupState =>
  groupStateSchema.parse({
    gid: 'g1',
    groupKey: '{}:{alertname="etcdHighFsyncDurations"}',
    cluster: 'lab',
    channel: 'C1',
    incarnation: 1,
    status: 'firing',
    firstFiringAt: '2026-11-30T13:40:00Z',
    reopened: 0,
    lastReceivedAt: 0,
    groupLabels: { alertname: 'etcdHighFsyncDurations' },
    externalURL: 'http://alertmanager.example:9093',
    alerts: { f1: { fingerprint: 'f1', alertname: 'etcdHighFsyncDurations', member: 'etcd-2:2379', status: 'firing', startsAt: '2026-11-30T13:40:00Z' } },
    version: 3,
    triageSeq: 0,
    silence: { id: 'sil-1', by: 'U0ALICE', endsAt: ENDS_AT },
    ...o,
  });

const shown = (g: GroupState, now: number): string => JSON.stringify(alertParentMessage(g, now).blocks);
const controls = (g: GroupState, now: number): string[] =>
  alertParentMessage(g, now)
    .blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []))
    .map((e) => ('action_id' in e ? String(e.action_id) : ''));

describe('a silence on the alert parent, against the clock', () => {
  it('before its end: silenced by whom until when, with Expire now and no Silence menu', () => {
    const g = silenced();
    expect(shown(g, END - 60_000)).toContain('🔕 silenced by <@U0ALICE> until 2026-11-30 16:00 UTC');
    expect(controls(g, END - 60_000)).toContain(ACTION.expireSilence);
    expect(controls(g, END - 60_000)).not.toContain(ACTION.silence);
  });

  it('at and after its end: when it ended, the Silence menu again, and no Expire now', () => {
    const g = silenced();
    for (const now of [END, END + 3 * 3600_000]) {
      const text = shown(g, now);
      expect(text).toContain('silence by <@U0ALICE> ended at 2026-11-30 16:00 UTC');
      expect(text).not.toContain('silenced by');
      expect(controls(g, now)).toContain(ACTION.silence);
      expect(controls(g, now)).not.toContain(ACTION.expireSilence);
    }
  });

  it('renders the same at two moments on the same side of the end (edits are sent only on a change)', () => {
    const g = silenced();
    expect(alertParentMessage(g, END - 3600_000)).toEqual(alertParentMessage(g, END - 1));
    expect(alertParentMessage(g, END + 1)).toEqual(alertParentMessage(g, END + 3600_000));
    expect(alertParentMessage(g, END - 1)).not.toEqual(alertParentMessage(g, END));
  });

  it('a resolved group whose silence ended offers no Silence menu', () => {
    const g = silenced({ status: 'resolved', resolvedAt: '2026-11-30T15:00:00Z' });
    expect(shown(g, END + 1)).toContain('ended at 2026-11-30 16:00 UTC');
    expect(controls(g, END + 1)).not.toContain(ACTION.silence);
  });
});
