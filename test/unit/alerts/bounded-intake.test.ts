import { describe, expect, it } from 'vitest';
import { parseNotification } from '../../../src/ingress/alertmanager/parse-notification.js';
import { webhookSchema } from '../../../src/ingress/alertmanager/webhook-schema.js';
import { applyNotification, type ApplyContext } from '../../../src/incidents/alerts/apply-notification.js';
import type { Notification } from '../../../src/incidents/alerts/notification.js';
import { alertParentMessage } from '../../../src/report/alerts/alert-thread.js';

const ctx: ApplyContext = { gid: 'g1', cluster: 'lab', channel: 'C1', memberLabel: 'instance', reopenWithinMs: 3600_000 };

function alert(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status: 'firing',
    labels: { alertname: 'etcdHighFsyncDurations', instance: `10.0.0.${i % 250}:2379`, n: String(i) },
    annotations: {},
    startsAt: '2025-01-01T09:50:00.123456789Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: `f${i}`,
    ...extra,
  };
}
function body(alerts: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: '4', groupKey: '{}:{alertname="etcdHighFsyncDurations"}', status: 'firing', receiver: 'etcd-triage', groupLabels: {}, commonLabels: {}, alerts, ...extra };
}
const many = (n: number): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => alert(i));

describe('alerts per notification are capped, and what is left out is counted', () => {
  it('keeps the first maxAlerts alerts and counts the rest as truncated, on top of what Alertmanager left out', () => {
    const r = parseNotification(body(many(1500), { truncatedAlerts: 7 }), 1000);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.notification.alerts).toHaveLength(1000);
    expect(r.notification.alerts[0]!.fingerprint).toBe('f0');
    expect(r.notification.alerts[999]!.fingerprint).toBe('f999');
    expect(r.capped).toBe(500);
    expect(r.notification.truncatedAlerts).toBe(507);
  });

  it('a notification at the cap is complete: nothing truncated', () => {
    const r = parseNotification(body(many(1000)), 1000);
    expect(r.ok && r.notification.alerts.length === 1000 && r.notification.truncatedAlerts === 0 && r.capped === 0).toBe(true);
  });

  it('50,000 broken alerts are refused by the first broken one, with a short reason', () => {
    const broken = Array.from({ length: 50_000 }, () => ({}));
    const r = parseNotification(body(broken), 50_000);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.detail).toMatch(/^alerts\.0\.status: /);
    expect(r.detail).not.toMatch(/alerts\.1\./);
    expect(r.detail.length).toBeLessThan(800);
  });

  it('alerts over the cap are not validated: a broken 1001st alert does not refuse the notification', () => {
    const r = parseNotification(body([...many(1000), {}]), 1000);
    expect(r.ok && r.notification.truncatedAlerts).toBe(1);
  });

  it('an envelope problem and the first bad alert are both named', () => {
    const r = parseNotification(body([alert(0), alert(1, { startsAt: 'yesterday' }), alert(2, { status: 'x' })], { version: '3' }), 1000);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.detail).toContain('version: only webhook version "4" is understood');
    expect(r.detail).toContain('alerts.1.startsAt: must be an RFC 3339 time');
    expect(r.detail).not.toContain('alerts.2');
  });

  it('a label name of 100,000 characters does not make a 100,000-character reason', () => {
    const huge = 'k'.repeat(100_000);
    const r = parseNotification(body([alert(0, { labels: { alertname: 'a', [huge]: 5 } })]), 1000);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.detail).toMatch(/^alerts\.0\.labels\.k+…: /);
    expect(r.detail.length).toBeLessThan(800);
  });
});

describe('webhook times are RFC 3339 only', () => {
  const at = (startsAt: string): boolean => parseNotification(body([alert(0, { startsAt })]), 10).ok;
  it('accepts what Alertmanager writes: Z or an offset, with or without a fraction', () => {
    for (const t of ['2025-01-01T09:50:00Z', '2025-01-01T09:50:00.123456789Z', '2025-01-01T11:50:00+02:00', '0001-01-01T00:00:00Z']) {
      expect(at(t), t).toBe(true);
    }
  });
  it('refuses anything Date.parse would guess at: no zone, date only, prose, numbers, impossible dates', () => {
    for (const t of ['2025-01-01T09:50:00', '2025-01-01', 'Jan 1 2025', '1735725000', '2025-02-30T00:00:00Z', '2025-01-01 09:50:00Z', '2025-01-01T09:50:00+0200']) {
      expect(at(t), t).toBe(false);
    }
    const r = parseNotification(body([alert(0, { endsAt: 'Jan 1 2025' })]), 10);
    expect(!r.ok && r.detail).toBe('alerts.0.endsAt: must be an RFC 3339 time such as 2024-05-01T10:00:00Z');
    expect(webhookSchema.safeParse(body([alert(0, { startsAt: '2025-01-01' })])).success).toBe(false);
  });
});

describe('a truncated group says so in its parent message', () => {
  const toNote = (alerts: Record<string, unknown>[], truncatedAlerts: number, at: number): Notification => {
    const r = parseNotification(body(alerts, { truncatedAlerts }), 1000);
    if (!r.ok) throw new Error(r.detail);
    return { ...r.notification, receivedAt: at };
  };
  const T0 = Date.parse('2025-01-01T10:00:00Z');

  it('the count left out is shown, updated when only it changes, and gone when the list is complete again', () => {
    const first = applyNotification(undefined, toNote(many(3), 500, T0), ctx);
    expect(first.next.truncatedAlerts).toBe(500);
    expect(alertParentMessage(first.next).text).toContain('500 more not listed (notification truncated)');

    const grown = applyNotification(first.next, toNote(many(3), 800, T0 + 1000), ctx);
    expect(grown.changed).toBe(true);
    expect(grown.replies).toEqual([]);
    expect(grown.next.version).toBe(first.next.version + 1);
    expect(alertParentMessage(grown.next).text).toContain('800 more not listed');

    const same = applyNotification(grown.next, toNote(many(3), 800, T0 + 2000), ctx);
    expect(same.changed).toBe(false);

    const complete = applyNotification(same.next, toNote(many(4), 0, T0 + 3000), ctx);
    expect(complete.next.truncatedAlerts).toBeUndefined();
    expect(alertParentMessage(complete.next).text).not.toContain('not listed');
  });
});
