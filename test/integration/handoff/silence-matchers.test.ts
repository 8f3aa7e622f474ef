import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { parseConfigText } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { gatherHandoff } from '../../../src/handoff/gather.js';
import { silenceSchema, type Silence } from '../../../src/handoff/silences.js';
import { TimelineStore } from '../../../src/incidents/timeline/timeline-store.js';
import { PrometheusRegistry } from '../../../src/sources/prometheus/registry.js';
import type { HandoffSummary } from '../../../src/handoff/summary.js';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.js';
import { startRedis } from '../../support/redis.js';
import { freePort, waitFor, type RunningProcess } from '../../support/processes.js';

/**
 * Which silences the handoff lists as able to mute a cluster, compared with what a real Alertmanager
 * decides: silences with regex and negative matchers are created in Alertmanager, an alert carrying the
 * cluster's labels is pushed, and Alertmanager's own `silencedBy` for that alert must be exactly the
 * handoff's list.
 */
const PROBE = 'EtcdSilenceProbe';
const labels = { alertname: PROBE, job: 'etcd-prod', cluster: 'prod' };

interface M { name: string; value: string; isRegex: boolean; isEqual: boolean }
const re = (name: string, value: string, isEqual = true): M => ({ name, value, isRegex: true, isEqual });
const eq = (name: string, value: string, isEqual = true): M => ({ name, value, isRegex: false, isEqual });

/** Each silence also names the probe's alertname, so that Alertmanager accepts negative-only ones. */
const CASES: Record<string, { matcher?: M; mutes: boolean }> = {
  'job=~etcd-.*': { matcher: re('job', 'etcd-.*'), mutes: true },
  'job=~etcd (anchored)': { matcher: re('job', 'etcd'), mutes: false },
  'job=~etcd-prod\\z (RE2 end of text)': { matcher: re('job', 'etcd-prod\\z'), mutes: true },
  'job=~(?P<j>etcd-staging) (RE2 named group)': { matcher: re('job', '(?P<j>etcd-staging)'), mutes: false },
  'job=~etcd-\\pL+ (RE2 Unicode class)': { matcher: re('job', 'etcd-\\pL+'), mutes: true },
  'job!~etcd-(staging|dev)': { matcher: re('job', 'etcd-(staging|dev)', false), mutes: true },
  'job!~etcd-prod|etcd-dev (anchored alternation)': { matcher: re('job', 'etcd-prod|etcd-dev', false), mutes: false },
  'cluster=~(?i)PROD': { matcher: re('cluster', '(?i)PROD'), mutes: true },
  'cluster=~prod|staging': { matcher: re('cluster', 'prod|staging'), mutes: true },
  'cluster=~pro (anchored)': { matcher: re('cluster', 'pro'), mutes: false },
  'job="etcd-prod.*" (equality is literal)': { matcher: eq('job', 'etcd-prod.*'), mutes: false },
  'cluster!="prod"': { matcher: eq('cluster', 'prod', false), mutes: false },
  'alertname only': { mutes: true },
};

let redis: RunningProcess & { url: string };
let am: RunningAlertmanager;
let client: Redis;
let config: Config;
const idOf = new Map<string, string>();

beforeAll(async () => {
  redis = await startRedis();
  // Alertmanager's notifications are not under test: its receiver points at a closed port.
  am = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${await freePort()}/alertmanager`, token: 'unused' });
  client = new Redis(redis.url);
  config = parseConfigText(
    `
handoff: { alertmanagerApiUrl: "${am.url}" }
clusters:
  prod:
    prometheus: { url: "http://127.0.0.1:9" }
    selector: { job: etcd-prod }
`,
    'silences.yaml',
    {},
  );
  for (const [name, c] of Object.entries(CASES)) {
    const res = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [eq('alertname', PROBE), ...(c.matcher ? [c.matcher] : [])],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
        createdBy: 'test',
        comment: name,
      }),
    });
    if (!res.ok) throw new Error(`Alertmanager refused the silence ${name}: ${res.status} ${await res.text()}`);
    idOf.set(name, ((await res.json()) as { silenceID: string }).silenceID);
  }
  await am.push([{ labels }]);
}, 120_000);

afterAll(async () => {
  client?.disconnect();
  await Promise.all([am?.stop(), redis?.stop()]);
});

async function handoff(silences?: () => Promise<Silence[]>): Promise<HandoffSummary> {
  const prometheus = new PrometheusRegistry(config, {});
  try {
    return await gatherHandoff(
      {
        config,
        playbooks: [],
        prometheus,
        timeline: new TimelineStore(client, { prefix: `sil${Date.now()}`, ...config.handoff }),
        skipPrometheus: true,
        ...(silences === undefined ? {} : { silences }),
      },
      { clusters: ['prod'], sinceMs: Date.now() - 3600_000, untilMs: Date.now(), origin: { kind: 'cli' } },
    );
  } finally {
    await prometheus.close();
  }
}

describe('silences listed in the handoff (Alertmanager matcher semantics)', () => {
  it('lists exactly the silences Alertmanager applies to an alert of the cluster', async () => {
    let silencedBy: string[] = [];
    await waitFor('the probe alert in Alertmanager', async () => {
      const res = await fetch(`${am.url}/api/v2/alerts?filter=alertname%3D%22${PROBE}%22`);
      const alerts = (await res.json()) as Array<{ status: { silencedBy: string[] } }>;
      silencedBy = alerts[0]?.status.silencedBy ?? [];
      return alerts.length === 1;
    });
    const expected = Object.entries(CASES).filter(([, c]) => c.mutes).map(([name]) => idOf.get(name)!).sort();
    // The cases say what Alertmanager does; a wrong case would show here, not in the handoff.
    expect([...silencedBy].sort()).toEqual(expected);

    const summary = await handoff();
    const prod = summary.clusters[0]!;
    const listed = prod.silences.map((s) => s.id).sort();
    const nameOf = (id: string): string => [...idOf].find(([, v]) => v === id)?.[0] ?? id;
    expect(listed.map(nameOf)).toEqual(expected.map(nameOf));
    expect(prod.notes.filter((n) => n.startsWith('silence'))).toEqual([]);
  });

  it('reports a silence whose regex RE2 cannot read, lists it, and still builds the handoff', async () => {
    const broken = silenceSchema.parse({
      id: 'broken-1',
      status: { state: 'active' },
      matchers: [re('job', 'etcd-(prod')],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      createdBy: 'bob',
      comment: 'typo',
    });
    const summary = await handoff(async () => [broken]);
    const prod = summary.clusters[0]!;
    expect(prod.silences.map((s) => s.id)).toEqual(['broken-1']);
    expect(prod.notes).toContainEqual(expect.stringMatching(/^silence broken-1: matcher \{job=~"etcd-\(prod"\} is not a valid regular expression \(.*missing closing \).*\); listed, as it may mute this cluster$/));
  });
});
