import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { makeTestCerts, type TestCerts } from '../../support/test-certs.js';
import { startTenantTlsProxy, type TenantTlsProxy } from '../../support/tenant-tls-proxy.js';
import { diagnoseRecorded } from '../../support/recorded-diagnosis.js';
import { stringify } from 'yaml';
import { parseConfigText } from '../../../src/config/load.js';
import { collectTrends } from '../../../src/handoff/trends.js';
import { PrometheusClient } from '../../../src/sources/prometheus/client.js';

/**
 * A recorded incident behind what Mimir, Cortex or a proxied Thanos look like: mutual TLS, a tenant
 * header, the API under a path prefix. The bot reaches it with the configured certificate, header and
 * prefix; without them, the diagnosis says exactly what was refused.
 */

const PREFIX = '/select/0/prometheus';
const TENANT = 'team-etcd';
const THANOS_WARNING = 'receive-1.thanos:10901: rpc error: code = Unavailable desc = store did not answer';

let scenario: LoadedScenario;
let certs: TestCerts;
let proxy: TenantTlsProxy;

beforeAll(async () => {
  [scenario, certs] = await Promise.all([loadScenario('disk-slow-follower'), makeTestCerts()]);
  proxy = await startTenantTlsProxy({ upstreamUrl: scenario.url, certs, tenant: TENANT, prefix: PREFIX, partialWarning: THANOS_WARNING });
});

afterAll(async () => {
  await proxy?.close();
  await scenario?.stop();
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

function prometheusConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url: `${proxy.url}${PREFIX}`,
    caFile: certs.caFile,
    certFile: certs.clientCert,
    keyFile: certs.clientKey,
    headers: { 'X-Scope-OrgID': { valueEnv: 'MIMIR_TENANT' } },
    ...overrides,
  };
}

async function diagnoseThroughProxy(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = { MIMIR_TENANT: TENANT }) {
  const from = proxy.requests.length;
  const result = await diagnoseRecorded(scenario, prometheusConfig(overrides), env);
  return { ...result, requests: proxy.requests.slice(from) };
}

describe('a Prometheus behind mutual TLS, a tenant header and a path prefix', () => {
  it('with the client certificate, the tenant and the prefix: the same diagnosis as direct', async () => {
    const { diagnosis, evidence, requests } = await diagnoseThroughProxy({ thanos: { dedup: true, partialResponse: false } });
    expect(evidence.queries.filter((q) => q.error)).toEqual([]);
    expect(diagnosis.causes[0]).toMatchObject({ playbook: 'disk', cause: 'slow-disk', members: ['etcd-2'] });
    expect(diagnosis.missing_evidence.filter((m) => m.playbook === 'prometheus')).toEqual([]);
    // Every query reached the server under the prefix, with the tenant and Thanos' parameters.
    expect(requests.length).toBe(evidence.queries.length);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect([`${PREFIX}/api/v1/query`, `${PREFIX}/api/v1/query_range`]).toContain(r.path);
      expect(r.headers['x-scope-orgid']).toBe(TENANT);
      expect(r.params).toMatchObject({ dedup: 'true', partial_response: 'false' });
      expect(r.params['query']).toBeTruthy();
    }
  });

  it('extra query parameters go with every query, and no Thanos parameter unless configured', async () => {
    const { requests } = await diagnoseThroughProxy({ queryParams: { nocache: '1' } });
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.params['nocache']).toBe('1');
      expect(r.params).not.toHaveProperty('dedup');
      expect(r.params).not.toHaveProperty('partial_response');
    }
  });

  it('a partial answer (Thanos partial_response) is used, and reported as an evidence gap naming the store', async () => {
    const { diagnosis, evidence } = await diagnoseThroughProxy({ thanos: { dedup: false, partialResponse: true } });
    expect(diagnosis.causes[0]).toMatchObject({ cause: 'slow-disk', members: ['etcd-2'] });
    expect(evidence.queries.every((q) => q.warnings?.includes(THANOS_WARNING))).toBe(true);
    const gaps = diagnosis.missing_evidence.filter((m) => m.playbook === 'prometheus');
    expect(gaps).toEqual([
      {
        playbook: 'prometheus',
        check: 'partial-response',
        reason: `${evidence.queries.length} of ${evidence.queries.length} queries got a partial answer, so their results may lack data: ${THANOS_WARNING}`,
      },
    ]);
  });

  it('a handoff over partial answers says which of its trends may lack data', async () => {
    const trendsWith = async (partialResponse: boolean) => {
      const config = parseConfigText(
        stringify({ clusters: { lab: { prometheus: prometheusConfig({ thanos: { partialResponse } }), selector: { job: scenario.meta.prometheus.etcdJob } } } }),
        'handoff.yaml',
        { MIMIR_TENANT: TENANT },
      );
      const cluster = config.clusters['lab']!;
      const client = new PrometheusClient(cluster.prometheus, { MIMIR_TENANT: TENANT });
      try {
        return await collectTrends(client, cluster, { sinceMs: scenario.times.recordingStart * 1000, untilMs: scenario.times.recordingEnd * 1000 }, 7);
      } finally {
        await client.close();
      }
    };
    const whole = await trendsWith(false);
    expect(whole.notes).toEqual([]);
    expect(whole.trends.map((t) => t.id)).toEqual(['fsync_p99', 'peer_rtt_p99', 'db_size', 'leader_changes']);
    const partial = await trendsWith(true);
    expect(partial.trends.map((t) => t.id)).toEqual(whole.trends.map((t) => t.id));
    expect(partial.notes).toEqual(
      ['fsync p99', 'peer RTT p99', 'database size', 'database quota', 'leader changes'].map((what) => `${what}: partial answer, may lack data (${THANOS_WARNING})`),
    );
  });

  it('without the tenant header: refused with 401, and the diagnosis says so instead of a verdict', async () => {
    const { diagnosis, evidence, requests } = await diagnoseThroughProxy({ headers: {} });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.headers['x-scope-orgid'] === undefined)).toBe(true);
    expect(evidence.queries.every((q) => q.error?.kind === 'http')).toBe(true);
    const origin = new URL(proxy.url).origin;
    const refusal = `HTTP 401 from ${origin}: no org id: X-Scope-OrgID header required`;
    expect(evidence.queries[0]!.error!.message).toBe(`${refusal}\n`);
    expect(diagnosis.healthy).toBe(false);
    expect(diagnosis.causes).toEqual([]);
    expect(diagnosis.headline).toContain(refusal);
    expect(diagnosis.missing_evidence.find((m) => m.check === 'wal_fsync_p99')?.reason).toContain('query failed (http): HTTP 401');
  });

  it('the tenant variable not set: the config is refused, naming it, and nothing is sent', async () => {
    const from = proxy.requests.length;
    await expect(diagnoseThroughProxy({}, {})).rejects.toThrow(
      'clusters.lab.prometheus.headers.X-Scope-OrgID.valueEnv: environment variable MIMIR_TENANT is not set',
    );
    expect(proxy.requests.length).toBe(from);
  });

  it.each([
    ['no client certificate', false, 'no client certificate is configured (certFile, keyFile)'],
    ['a certificate from another CA', true, 'the client certificate CERT was not accepted'],
  ])('%s: the TLS handshake is refused and the diagnosis says why', async (_, stranger, why) => {
    const overrides = stranger ? { certFile: certs.strangerCert, keyFile: certs.strangerKey } : { certFile: undefined, keyFile: undefined };
    const { evidence, diagnosis, requests } = await diagnoseThroughProxy(overrides);
    expect(requests).toEqual([]);
    expect(evidence.queries.every((q) => q.error?.kind === 'unreachable')).toBe(true);
    const message = evidence.queries[0]!.error!.message;
    expect(message).toContain('the server closed the TLS connection before answering, as servers that require a client certificate do');
    expect(message).toContain(why.replace('CERT', certs.strangerCert));
    expect(diagnosis.causes).toEqual([]);
    expect(diagnosis.headline).toBe(`Could not diagnose lab: ${message}`);
  });

  it('a certificate file that cannot be read is named, and nothing is sent', async () => {
    const { evidence, requests } = await diagnoseThroughProxy({ certFile: `${certs.dir}/missing.crt` });
    expect(requests).toEqual([]);
    expect(evidence.queries[0]!.error).toEqual({ kind: 'config', message: `cannot read the client certificate (certFile) ${certs.dir}/missing.crt: ENOENT` });
  });
});
