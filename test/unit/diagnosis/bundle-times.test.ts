import { describe, expect, it } from 'vitest';
import { parseEvidenceBundle } from '../../../src/diagnosis/evidence/bundle.js';
import { EVIDENCE_FORMAT } from '../../../src/diagnosis/evidence/evidence.js';

/** An evidence bundle (replay FILE) is input from a file: its collection time must be RFC 3339 like every time that enters. */
const bundle = (collectedAt: string): string =>
  JSON.stringify({
    format: EVIDENCE_FORMAT,
    cluster: 'lab',
    memberLabel: 'instance',
    selector: '{job="etcd"}',
    window: { start: 1_700_000_000, end: 1_700_000_900, seconds: 900, rateSeconds: 60, stepSeconds: 15 },
    prometheusUrl: 'http://127.0.0.1:9090',
    tuning: { clientPort: 2379, peerPort: 2380, interface: 'eth0' },
    collectedAt,
    durationMs: 10,
    playbooks: [],
    queries: [],
  });

describe('evidence bundle times', () => {
  it('a bundle collected at an RFC 3339 time is read', () => {
    expect(parseEvidenceBundle(bundle('2023-11-14T22:28:20.000Z')).ok).toBe(true);
  });
  it('any other collection time is refused, naming the field and the expected form', () => {
    for (const t of ['yesterday', '2023-11-14', '2023-11-14T22:28:20']) {
      expect(parseEvidenceBundle(bundle(t))).toEqual({ ok: false, reason: 'collectedAt: must be an RFC 3339 time such as 2024-05-01T10:00:00Z' });
    }
  });
});
