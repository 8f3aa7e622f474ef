import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNotification } from '../../../src/ingress/alertmanager/parse-notification.js';
import { webhookSchema } from '../../../src/ingress/alertmanager/webhook-schema.js';

/**
 * Property tests of the webhook's parsing: whatever JSON arrives, the answer is a notification of at
 * most maxAlerts alerts or a reason of bounded length; nothing throws. Strings are arbitrary Unicode,
 * lone surrogates included ('binary'), as JSON.parse can produce them from \ud800 escapes.
 */
const MAX_ALERTS = 5;
const MAX_DETAIL = 700;
const ALERT_KEYS = ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'];
const NOTE_KEYS = ['version', 'groupKey', 'truncatedAlerts', 'status', 'receiver', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'alerts'];

const text = fc.string({ unit: 'binary', maxLength: 40 });
const labels = fc.dictionary(text, fc.oneof(text, fc.jsonValue({ maxDepth: 1 })), { maxKeys: 4 });
const time = fc.oneof(
  text,
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('0001-01-01T00:00:00Z', '2025-01-01T10:00:00+02:00', '2025-01-01', '2025-01-01T10:00:00'),
);
const rfcTime = fc.oneof(
  fc.date({ noInvalidDate: true, min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z') }).map((d) => d.toISOString()),
  fc.constantFrom('0001-01-01T00:00:00Z', '2025-01-01T10:00:00+02:00', '2025-01-01T10:00:00.123456789Z'),
);
const stringLabels = fc.dictionary(text, text, { maxKeys: 4 });
/** Alerts as Alertmanager sends them, with arbitrary Unicode wherever Alertmanager allows any text. */
const validAlert = fc.record({
  status: fc.constantFrom('firing', 'resolved'),
  labels: stringLabels.map((l) => ({ ...l, alertname: 'etcdNoLeader' })),
  annotations: stringLabels,
  startsAt: rfcTime,
  endsAt: rfcTime,
  generatorURL: text,
  fingerprint: fc.string({ minLength: 1, maxLength: 16 }),
});
const validNotification = fc.record({
  version: fc.constant('4'),
  groupKey: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  truncatedAlerts: fc.nat(),
  status: fc.constantFrom('firing', 'resolved'),
  receiver: text,
  groupLabels: stringLabels,
  commonLabels: stringLabels,
  commonAnnotations: stringLabels,
  externalURL: text,
  alerts: fc.array(validAlert, { minLength: 1, maxLength: 12 }),
});
const junk = fc.oneof(text, fc.jsonValue({ maxDepth: 2 }), time, labels);
/** A valid notification with one field of it, or of one of its alerts, replaced by junk or removed. */
const mutated = fc
  .tuple(validNotification, fc.constantFrom(...ALERT_KEYS), fc.constantFrom(...NOTE_KEYS), fc.boolean(), fc.option(junk, { nil: undefined }))
  .map(([n, alertKey, noteKey, inAlert, value]) => {
    const out: Record<string, unknown> = { ...n, alerts: n.alerts.map((a) => ({ ...a })) };
    const target = inAlert ? (out['alerts'] as Record<string, unknown>[])[0]! : out;
    const key = inAlert ? alertKey : noteKey;
    if (value === undefined) delete target[key];
    else target[key] = value;
    return out;
  });

function check(json: unknown): void {
  const r = parseNotification(json, MAX_ALERTS);
  if (r.ok) {
    expect(r.notification.alerts.length).toBeLessThanOrEqual(MAX_ALERTS);
    expect(r.notification.alerts.length).toBeGreaterThan(0);
    // Nothing lost silently: every alert of the body is either kept or counted as truncated.
    const sent = (json as { alerts: unknown[] }).alerts.length;
    const before = (json as { truncatedAlerts?: number }).truncatedAlerts ?? 0;
    expect(r.notification.alerts.length + r.notification.truncatedAlerts).toBe(sent + before);
    // The full schema agrees with what was kept.
    expect(webhookSchema.safeParse({ ...(json as object), alerts: (json as { alerts: unknown[] }).alerts.slice(0, MAX_ALERTS) }).success).toBe(true);
  } else {
    expect(r.detail.length).toBeGreaterThan(0);
    expect(r.detail.length).toBeLessThanOrEqual(MAX_DETAIL);
  }
}

describe('webhook parsing over arbitrary input', () => {
  it('arbitrary Unicode JSON values: never throws, ok or a bounded reason', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }), check), { numRuns: 500 });
  });

  it('arbitrary JSON text through JSON.parse (what the route does): never throws', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4, stringUnit: 'binary' }), (body) => {
        check(JSON.parse(body));
      }),
      { numRuns: 300 },
    );
  });

  it('valid notifications with arbitrary Unicode text are accepted, capped, and nothing is lost', () => {
    fc.assert(
      fc.property(validNotification, (n) => {
        const r = parseNotification(n, MAX_ALERTS);
        expect(r.ok).toBe(true);
        check(n);
      }),
      { numRuns: 300 },
    );
  });

  it('one field wrong or missing: still never throws; ok with nothing lost, or a bounded reason', () => {
    fc.assert(fc.property(mutated, check), { numRuns: 600 });
  });
});
