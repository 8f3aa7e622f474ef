import { describe, expect, it } from 'vitest';
import { silenceSchema } from '../../../src/handoff/silences.js';

const silence = (endsAt: string): unknown => ({
  id: 's1',
  status: { state: 'active' },
  matchers: [{ name: 'job', value: 'etcd', isRegex: false }],
  startsAt: '2025-01-01T10:00:00.000Z',
  endsAt,
  createdBy: 'alice',
  comment: 'maintenance',
});

describe('silence times from the Alertmanager API', () => {
  it('are RFC 3339, as Alertmanager writes them', () => {
    expect(silenceSchema.safeParse(silence('2025-01-01T12:00:00.000Z')).success).toBe(true);
    expect(silenceSchema.safeParse(silence('2025-01-01T13:00:00+01:00')).success).toBe(true);
  });
  it('anything else is refused (the handoff then says silences are not known) instead of an Invalid Date', () => {
    for (const t of ['soon', '2025-01-01', '2025-01-01T12:00:00', '']) {
      const r = silenceSchema.safeParse(silence(t));
      expect(r.success, t).toBe(false);
      expect(r.error!.issues[0]!.path).toEqual(['endsAt']);
    }
  });
});
