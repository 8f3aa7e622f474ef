import { describe, expect, it } from 'vitest';
import { contextQueries } from '../../../src/diagnosis/evidence/context.js';
import { diagnose } from '../../../src/diagnosis/judge/diagnose.js';
import { EVIDENCE_FORMAT, type Evidence, type QueryRecord } from '../../../src/diagnosis/evidence/evidence.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import type { QueryVars } from '../../../src/diagnosis/evidence/query-vars.js';

const MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];
const vars: QueryVars = { selector: 'job="etcd"', memberLabel: 'instance', windowSeconds: 180, rateSeconds: 120, stepSeconds: 15 };
const T = 1_700_000_000;

/**
 * Evidence with only the context queries answered: the share of failed scrapes as given per member
 * (1: never answered), ids known from the day before.
 */
function evidenceWithFailedScrapes(up: number): Evidence {
  const [upQ, leaderQ, versionQ, idQ] = contextQueries(vars).map((q) => q.promql) as [string, string, string, string];
  const series = (extra: (m: string, i: number) => Record<string, string>, v: number) =>
    MEMBERS.map((m, i) => ({ labels: { instance: m, ...extra(m, i) }, points: [{ t: T, v }] }));
  const q = (promql: string, result: QueryRecord['result']): QueryRecord => ({ kind: 'instant', promql, time: T, result, durationMs: 1 });
  return {
    format: EVIDENCE_FORMAT,
    cluster: 'lab',
    memberLabel: 'instance',
    selector: vars.selector,
    window: { start: T - 180, end: T, seconds: 180, rateSeconds: 120, stepSeconds: 15 },
    prometheusUrl: 'http://127.0.0.1:9090',
    tuning: { clientPort: 2379, peerPort: 2380, interface: 'eth0' },
    collectedAt: new Date(T * 1000).toISOString(),
    durationMs: 5,
    playbooks: ['disk'],
    queries: [
      q(upQ, series(() => ({}), up)),
      q(leaderQ, []),
      q(versionQ, []),
      q(idQ, series((_m, i) => ({ server_id: `a${i}` }), 1)),
    ],
  };
}

describe('cluster context', () => {
  it('no member scraped in the window is not "no latency problem": the diagnosis says it could not tell', () => {
    const d = diagnose(evidenceWithFailedScrapes(1), loadPlaybooks());
    expect(d.healthy).toBe(false);
    expect(d.headline).toBe('Could not diagnose lab: no member was scraped in this window: every member is down, or Prometheus is not scraping them');
    expect(d.members.map((m) => m.up)).toEqual([false, false, false]);
  });
});
