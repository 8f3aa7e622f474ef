import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/errors.js';

/** The `prometheus:` fields for Mimir, Cortex, Thanos and VictoriaMetrics: what is accepted and what is refused. */

function config(prometheus: string, logs = ''): string {
  return `
clusters:
  prod:
    prometheus:
${prometheus.replace(/^/gm, '      ')}
    selector: { job: kube-etcd }
${logs}`;
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'etcd-triage.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('prometheus backends in the config', () => {
  it('takes a path prefix, headers from text or the environment, a client certificate and Thanos parameters', () => {
    const c = parseConfigText(
      config(`url: https://mimir.example:8080/prometheus
caFile: /etc/etcd-triage/ca.pem
certFile: /etc/etcd-triage/client.pem
keyFile: /etc/etcd-triage/client-key.pem
headers:
  X-Scope-OrgID: { valueEnv: MIMIR_TENANT }
  X-Team: etcd
queryParams: { nocache: "1" }
thanos: { partialResponse: true }`),
      'f.yaml',
      { MIMIR_TENANT: 'team-a' },
    );
    const p = c.clusters['prod']!.prometheus;
    expect(p.url).toBe('https://mimir.example:8080/prometheus');
    expect(p.headers).toEqual({ 'X-Scope-OrgID': { valueEnv: 'MIMIR_TENANT' }, 'X-Team': 'etcd' });
    expect(p.thanos).toEqual({ dedup: true, partialResponse: true });
    expect(p.queryParams).toEqual({ nocache: '1' });
  });

  it('defaults: no extra headers, no parameters, not Thanos', () => {
    const p = parseConfigText(config('url: http://prometheus:9090'), 'f.yaml', {}).clusters['prod']!.prometheus;
    expect(p.headers).toEqual({});
    expect(p.queryParams).toEqual({});
    expect(p.thanos).toBeUndefined();
  });

  it('names a header variable that is not set, for Prometheus and for Loki', () => {
    const loki = `    logs:
      - type: loki
        url: http://loki:3100
        selector: '{container="etcd"}'
        headers: { X-Scope-OrgID: { valueEnv: LOKI_TENANT } }`;
    expect(problems(config(`url: http://mimir/prometheus\nheaders: { X-Scope-OrgID: { valueEnv: MIMIR_TENANT } }`, loki))).toEqual([
      'clusters.prod.prometheus.headers.X-Scope-OrgID.valueEnv: environment variable MIMIR_TENANT is not set',
      'clusters.prod.logs.0.headers.X-Scope-OrgID.valueEnv: environment variable LOKI_TENANT is not set',
    ]);
  });

  it.each([
    ['a certificate without its key', 'url: https://p\ncertFile: /c.pem', 'clusters.prod.prometheus.certFile: a client certificate needs both certFile and keyFile'],
    ['a key without its certificate', 'url: https://p\nkeyFile: /k.pem', 'clusters.prod.prometheus.certFile: a client certificate needs both certFile and keyFile'],
    ['a query string in the URL', 'url: "http://thanos:9090?dedup=false"', 'clusters.prod.prometheus.url: must not carry a query string or fragment: put query parameters in queryParams (or thanos:)'],
    ['the Authorization header', 'url: http://p\nheaders: { Authorization: x }', 'clusters.prod.prometheus.headers.Authorization: name "Authorization" is invalid: is set by etcd-triage itself (authorization, content-type, content-length, accept, host, transfer-encoding, connection); use auth: for credentials'],
    ['a header name with a space', 'url: http://p\nheaders: { "X Org": a }', 'clusters.prod.prometheus.headers.X Org: name "X Org" is invalid: must be an HTTP header name such as X-Scope-OrgID'],
    ['a header value on two lines', 'url: http://p\nheaders: { X-Org: "a\\nb" }', 'clusters.prod.prometheus.headers.X-Org: must be one line'],
    ['a parameter the client sets', 'url: http://p\nqueryParams: { query: up }', 'clusters.prod.prometheus.queryParams.query: name "query" is invalid: is set by etcd-triage itself (query, time, start, end, step, dedup, partial_response; dedup and partial_response come from thanos:)'],
    ['Thanos dedup as a plain parameter', 'url: http://p\nqueryParams: { dedup: "false" }', 'clusters.prod.prometheus.queryParams.dedup: name "dedup" is invalid: is set by etcd-triage itself (query, time, start, end, step, dedup, partial_response; dedup and partial_response come from thanos:)'],
    ['an unknown Thanos option', 'url: http://p\nthanos: { replicaLabels: [a] }', 'clusters.prod.prometheus.thanos: unknown field(s) "replicaLabels"'],
  ])('refuses %s, naming the field', (_, prometheus, problem) => {
    expect(problems(config(prometheus))).toEqual([problem]);
  });
});
