import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogSources, fetchAllLogs } from '../../../src/sources/logs/create-sources.js';
import { KubernetesLogSource } from '../../../src/sources/logs/kubernetes-source.js';
import { LokiLogSource } from '../../../src/sources/logs/loki-source.js';
import { msToNanosecondsText } from '../../../src/sources/logs/parse/parse-time.js';
import { parseTimestamp } from '../../../src/sources/logs/parse/parse-time.js';
import { clusterSchema } from '../../../src/config/schema.js';
import { startKubeStandin, type KubeStandin, type StandinLogLine } from '../../support/kube-api-standin.js';
import { startLokiStandin, type LokiStandin } from '../../support/loki-standin.js';

const fixture = (name: string): string[] =>
  readFileSync(new URL(`../../fixtures/logs/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);

/** Lines of a real member log, each with the time the runtime would have recorded (its own ts). */
function timed(lines: string[]): StandinLogLine[] {
  return lines.map((line) => {
    const ts = /"ts":"([^"]+)"/.exec(line)?.[1];
    return { time: ts ? parseTimestamp(ts)! : 0, line };
  });
}

const M1 = timed(fixture('etcd-3.4.23-3member-m1-zap.jsonl'));
const M2 = timed(fixture('etcd-3.4.23-3member-m2-zap.jsonl'));
const M3 = timed(fixture('etcd-3.4.23-3member-m3-zap.jsonl'));
// The recorded incident: 16:01:33 → 16:02:15 UTC. "now" for the stand-in is shortly after.
const START = Date.UTC(2026, 10, 21, 16, 1, 30);
const END = Date.UTC(2026, 10, 21, 16, 2, 20);
const NOW = Date.UTC(2026, 10, 21, 16, 5, 0);
const signal = (): AbortSignal => new AbortController().signal;

describe('Kubernetes pod-log source', () => {
  let api: KubeStandin;
  beforeAll(async () => {
    api = await startKubeStandin({
      token: 's3cret',
      now: () => NOW,
      pods: {
        'kube-system/etcd-node-1': { etcd: M1 },
        'kube-system/etcd-node-2': { etcd: M2 },
        'kube-system/etcd-node-3': { etcd: M3 },
        'kube-system/etcd-slow': { etcd: M3 },
      },
      hang: new Set(['etcd-slow']),
    });
  });
  afterAll(() => api.close());

  const make = (pods: Record<string, string>, tokenEnv = 'K8S_TOKEN', env: NodeJS.ProcessEnv = { K8S_TOKEN: 's3cret' }): KubernetesLogSource =>
    new KubernetesLogSource(
      { type: 'kubernetes', apiUrl: api.url, namespace: 'kube-system', pods, container: 'etcd', tokenEnv },
      { env, now: () => NOW },
    );

  it('asks the documented endpoint with the token, container, sinceSeconds, timestamps and limitBytes', async () => {
    api.requests.length = 0;
    const src = make({ 'etcd-1': 'etcd-node-1', 'etcd-2': 'etcd-node-2', 'etcd-3': 'etcd-node-3' });
    const r = await src.fetch({ start: START, end: END, signal: signal(), limits: { maxBytes: 1_000_000 } });
    await src.close();
    expect(r.errors).toEqual([]);
    expect(api.requests).toHaveLength(3);
    const req = api.requests.find((q) => q.path.endsWith('/etcd-node-2/log'))!;
    expect(req.path).toBe('/api/v1/namespaces/kube-system/pods/etcd-node-2/log');
    expect(req.authorization).toBe('Bearer s3cret');
    expect(req.query).toEqual({
      container: 'etcd',
      sinceSeconds: String(Math.ceil((NOW - START) / 1000) + 30),
      timestamps: 'true',
      limitBytes: '1000000',
    });
    // Every member's events, each attributed to its member.
    const byMember = (m: string, k: string): number => r.events.filter((e) => e.member === m && e.kind === k).length;
    expect(byMember('etcd-2', 'heartbeat-late')).toBe(24);
    expect(byMember('etcd-3', 'apply-slow')).toBe(7);
    expect(byMember('etcd-1', 'leader')).toBeGreaterThan(0);
    expect(r.events.every((e) => e.envelope === 'k8s-timestamp')).toBe(true);
    expect(r.stats['etcd-2']!.linesRead).toBe(M2.filter((l) => l.time >= NOW - (Math.ceil((NOW - START) / 1000) + 30) * 1000).length);
  });

  it('limitBytes cut is reported as truncated by bytes', async () => {
    const src = make({ 'etcd-2': 'etcd-node-2' });
    const r = await src.fetch({ start: START, end: END, signal: signal(), limits: { maxBytes: 5000 } });
    await src.close();
    expect(r.truncated).toEqual([expect.objectContaining({ member: 'etcd-2', reason: 'bytes' })]);
    expect(r.stats['etcd-2']!.bytesRead).toBe(5000);
  });

  it('a wrong token, a missing pod and a missing env var are reported, never thrown', async () => {
    const bad = make({ 'etcd-1': 'etcd-node-1' }, 'K8S_TOKEN', { K8S_TOKEN: 'wrong' });
    const r1 = await bad.fetch({ start: START, end: END, signal: signal() });
    expect(r1.errors).toEqual([{ source: bad.name, member: 'etcd-1', message: 'pod etcd-node-1: HTTP 401: Unauthorized: Unauthorized' }]);

    const missing = make({ 'etcd-9': 'etcd-node-9', 'etcd-1': 'etcd-node-1' });
    const r2 = await missing.fetch({ start: START, end: END, signal: signal() });
    expect(r2.errors).toEqual([{ source: missing.name, member: 'etcd-9', message: 'pod etcd-node-9: HTTP 404: NotFound: pods "etcd-node-9" not found' }]);
    expect(r2.events.some((e) => e.member === 'etcd-1')).toBe(true);

    const noEnv = make({ 'etcd-1': 'etcd-node-1' }, 'K8S_TOKEN', {});
    const r3 = await noEnv.fetch({ start: START, end: END, signal: signal() });
    expect(r3.errors[0]).toMatchObject({ member: null, message: expect.stringContaining('K8S_TOKEN is not set') });
    await Promise.all([bad.close(), missing.close(), noEnv.close()]);
  });
});

describe('Kubernetes API over TLS with its own CA', () => {
  let api: KubeStandin;
  let dir: string;
  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1 stands in for the cluster CA.
    dir = mkdtempSync(join(tmpdir(), 'etcd-triage-ca-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'),
    ], { stdio: 'ignore' });
    api = await startKubeStandin({
      now: () => NOW,
      pods: { 'kube-system/etcd-node-2': { etcd: M2 } },
      tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'ca.pem'), 'utf8') },
    });
  });
  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the configured CA file, and refuses the server without it', async () => {
    const cfg = { type: 'kubernetes' as const, apiUrl: api.url, namespace: 'kube-system', pods: { 'etcd-2': 'etcd-node-2' }, container: 'etcd' };
    const withCa = new KubernetesLogSource({ ...cfg, caFile: join(dir, 'ca.pem') }, { now: () => NOW });
    const ok = await withCa.fetch({ start: START, end: END, signal: signal() });
    expect(ok.errors).toEqual([]);
    expect(ok.events.filter((e) => e.kind === 'heartbeat-late')).toHaveLength(24);

    const withoutCa = new KubernetesLogSource(cfg, { now: () => NOW });
    const bad = await withoutCa.fetch({ start: START, end: END, signal: signal() });
    expect(bad.events).toEqual([]);
    expect(bad.errors[0]!.message).toMatch(/self[- ]signed|certificate/i);

    const missingCa = new KubernetesLogSource({ ...cfg, caFile: join(dir, 'nope.pem') }, { now: () => NOW });
    const missing = await missingCa.fetch({ start: START, end: END, signal: signal() });
    expect(missing.errors[0]!.message).toMatch(/ENOENT/);
    await Promise.all([withCa.close(), withoutCa.close(), missingCa.close()]);
  });
});

describe('Loki source', () => {
  let loki: LokiStandin;
  const ns = (ms: number): string => msToNanosecondsText(ms);
  beforeAll(async () => {
    const stream = (pod: string, lines: StandinLogLine[]): { labels: Record<string, string>; entries: Array<[string, string]> } => ({
      labels: { namespace: 'kube-system', container: 'etcd', pod },
      // promtail's cri stage strips the CRI prefix: the entry is the etcd line, its time the CRI time.
      entries: lines.map((l, i) => [(BigInt(ns(l.time)) + BigInt(i % 1000)).toString(), l.line]),
    });
    loki = await startLokiStandin({
      tenant: 'team-a',
      authorization: 'Bearer lokitoken',
      streams: [stream('etcd-node-1', M1), stream('etcd-node-2', M2), stream('etcd-node-3', M3), { labels: { namespace: 'other', pod: 'x' }, entries: [[ns(START + 1000), M2[100]!.line]] }],
    });
  });
  afterAll(() => loki.close());

  const make = (opts: { pageSize?: number; maxPages?: number } = {}, env: NodeJS.ProcessEnv = { LOKI_TENANT: 'team-a', LOKI_TOKEN: 'lokitoken' }): LokiLogSource =>
    new LokiLogSource(
      {
        type: 'loki',
        url: loki.url,
        selector: '{namespace="kube-system",container="etcd"}',
        memberLabel: 'pod',
        members: { 'etcd-1': 'etcd-node-1', 'etcd-2': 'etcd-node-2', 'etcd-3': 'etcd-node-3' },
        tenantEnv: 'LOKI_TENANT',
        auth: { bearerTokenEnv: 'LOKI_TOKEN' },
      },
      { env, ...opts },
    );

  it('sends selector + line filter, ns bounds, limit, direction, tenant and auth; maps streams to members', async () => {
    loki.requests.length = 0;
    const src = make();
    const r = await src.fetch({ start: START, end: END, signal: signal() });
    expect(r.errors).toEqual([]);
    const q = loki.requests[0]!;
    expect(q.orgId).toBe('team-a');
    expect(q.authorization).toBe('Bearer lokitoken');
    expect(q.query['query']).toMatch(/^\{namespace="kube-system",container="etcd"\} \|~ `.*apply request took too long.*`$/);
    expect(q.query).toMatchObject({ start: ns(START), end: ns(END + 1), limit: '1000', direction: 'backward' });
    expect(r.events.filter((e) => e.member === 'etcd-2' && e.kind === 'heartbeat-late')).toHaveLength(24);
    expect(r.events.filter((e) => e.member === 'etcd-3' && e.kind === 'apply-slow')).toHaveLength(7);
    expect(new Set(r.events.map((e) => e.member))).toEqual(new Set(['etcd-1', 'etcd-2', 'etcd-3']));
  });

  it('the tenant as a configured header (X-Scope-OrgID from the environment) reaches Loki like tenantEnv', async () => {
    loki.requests.length = 0;
    const src = new LokiLogSource(
      {
        type: 'loki',
        url: loki.url,
        selector: '{namespace="kube-system",container="etcd"}',
        memberLabel: 'pod',
        members: { 'etcd-1': 'etcd-node-1', 'etcd-2': 'etcd-node-2', 'etcd-3': 'etcd-node-3' },
        headers: { 'X-Scope-OrgID': { valueEnv: 'LOKI_TENANT' } },
        auth: { bearerTokenEnv: 'LOKI_TOKEN' },
      },
      { env: { LOKI_TENANT: 'team-a', LOKI_TOKEN: 'lokitoken' } },
    );
    const r = await src.fetch({ start: START, end: END, signal: signal() });
    expect(r.errors).toEqual([]);
    expect(loki.requests[0]!.orgId).toBe('team-a');
    expect(r.events.filter((e) => e.member === 'etcd-2' && e.kind === 'heartbeat-late')).toHaveLength(24);
  });

  it('pages backwards by moving end when a page is full, without losing or repeating lines', async () => {
    const whole = await make().fetch({ start: START, end: END, signal: signal() });
    loki.requests.length = 0;
    const paged = await make({ pageSize: 7, maxPages: 1000 }).fetch({ start: START, end: END, signal: signal() });
    expect(paged.truncated).toEqual([]);
    expect(loki.requests.length).toBeGreaterThan(5);
    const ends = loki.requests.map((q) => BigInt(q.query['end']!));
    expect(ends.every((e, i) => i === 0 || e < ends[i - 1]!)).toBe(true);
    const key = (e: { member: string; time: number; msg: string }): string => `${e.member} ${e.time} ${e.msg}`;
    expect(paged.events.map(key).sort()).toEqual(whole.events.map(key).sort());
  });

  it('entries sharing one nanosecond across a page boundary are neither lost nor repeated', async () => {
    const same = ns(START + 5000);
    const line = (i: number): string =>
      `{"level":"warn","ts":"2026-11-21T16:01:35.000Z","caller":"wal/wal.go:806","msg":"slow fdatasync","took":"1.${i}s","expected-duration":"1s"}`;
    const local = await startLokiStandin({
      streams: [{ labels: { job: 'etcd', pod: 'p1' }, entries: [[ns(START + 9000), line(9)], [same, line(1)], [same, line(2)], [same, line(3)], [ns(START + 1000), line(0)]] }],
    });
    try {
      const src = new LokiLogSource({ type: 'loki', url: local.url, selector: '{job="etcd"}', memberLabel: 'pod' }, { pageSize: 2 });
      const r = await src.fetch({ start: START, end: END, signal: signal() });
      expect(r.events.map((e) => (e.kind === 'slow-fdatasync' ? e.tookMs : -1)).sort()).toEqual([1000, 1100, 1200, 1300, 1900]);
      expect(r.events.every((e) => e.member === 'p1')).toBe(true);
      // Four entries at one ns with pages of 2: the page grows until the nanosecond fits.
      const crowded = await startLokiStandin({ streams: [{ labels: { job: 'etcd', pod: 'p1' }, entries: [1, 2, 3, 4].map((i) => [same, line(i)] as [string, string]) }] });
      const r2 = await new LokiLogSource({ type: 'loki', url: crowded.url, selector: '{job="etcd"}', memberLabel: 'pod' }, { pageSize: 2 }).fetch({ start: START, end: END, signal: signal() });
      await crowded.close();
      expect(r2.events.map((e) => (e.kind === 'slow-fdatasync' ? e.tookMs : -1)).sort()).toEqual([1100, 1200, 1300, 1400]);
      expect(r2.truncated).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it('a page cap keeps the newest lines and says it stopped', async () => {
    const r = await make({ pageSize: 10, maxPages: 2 }).fetch({ start: START, end: END, signal: signal() });
    expect(r.truncated.some((t) => t.reason === 'pages')).toBe(true);
    expect(r.events.length).toBeLessThanOrEqual(20);
    const latest = Math.max(...r.events.map((e) => e.time));
    expect(latest).toBeGreaterThan(Date.UTC(2026, 10, 21, 16, 2, 10));
  });

  it('only the asked kinds are queried and returned', async () => {
    loki.requests.length = 0;
    const r = await make().fetch({ start: START, end: END, signal: signal(), kinds: ['readindex-retry'] });
    expect(loki.requests[0]!.query['query']).toBe('{namespace="kube-system",container="etcd"} |~ `waiting for ReadIndex response took too long`');
    expect(r.events.map((e) => e.kind)).toEqual(['readindex-retry', 'readindex-retry']);
    expect(r.events[0]).toMatchObject({ member: 'etcd-3', sentRequestId: '539202696308848461' });
  });

  it('errors: wrong tenant, Loki error text, missing env var', async () => {
    const wrong = await make({}, { LOKI_TENANT: 'team-b', LOKI_TOKEN: 'lokitoken' }).fetch({ start: START, end: END, signal: signal() });
    expect(wrong.errors[0]!.message).toBe('HTTP 401: no org id');
    const noEnv = await make({}, { LOKI_TOKEN: 'x' }).fetch({ start: START, end: END, signal: signal() });
    expect(noEnv.errors[0]!.message).toMatch(/LOKI_TENANT is not set/);
  });
});

describe('all sources under one deadline', () => {
  let api: KubeStandin;
  let loki: LokiStandin;
  beforeAll(async () => {
    api = await startKubeStandin({
      now: () => NOW,
      pods: { 'kube-system/etcd-node-1': { etcd: M1 }, 'kube-system/etcd-node-2': { etcd: M2 } },
      hang: new Set(['etcd-node-2']),
    });
    loki = await startLokiStandin({ streams: [], fail: { status: 500, body: 'too many outstanding requests' } });
  });
  afterAll(async () => {
    await api.close();
    await loki.close();
  });

  it('a hanging pod, a failing Loki and a missing file cost nothing of what the others returned', async () => {
    const fixturePath = new URL('../../fixtures/logs/etcd-3.4.23-3member-m3-zap.jsonl', import.meta.url).pathname;
    const cluster = clusterSchema.parse({
      prometheus: { url: 'http://127.0.0.1:9' },
      selector: { job: 'etcd' },
      logs: [
        { type: 'kubernetes', apiUrl: api.url, pods: { 'etcd-1': 'etcd-node-1', 'etcd-2': 'etcd-node-2' } },
        { type: 'loki', url: loki.url, selector: '{job="etcd"}' },
        { type: 'file', path: fixturePath, member: 'etcd-3' },
        { type: 'file', path: '/nonexistent/etcd.log', member: 'etcd-4' },
      ],
    });
    const sources = createLogSources(cluster);
    // The Kubernetes source's clock must match the recorded incident.
    sources[0] = new KubernetesLogSource(cluster.logs[0] as Extract<(typeof cluster.logs)[number], { type: 'kubernetes' }>, { now: () => NOW });
    const t0 = Date.now();
    const r = await fetchAllLogs(sources, { start: START, end: END, deadlineMs: 1500 });
    const took = Date.now() - t0;
    await Promise.all(sources.map((s) => s.close?.()));
    // The hanging pod never answers: returning at all shows the 1.5 s deadline held; the bound leaves a
    // loaded machine room to read the other sources.
    expect(took).toBeLessThan(12_000);
    expect(r.events.some((e) => e.member === 'etcd-1')).toBe(true);
    expect(r.events.filter((e) => e.member === 'etcd-3' && e.kind === 'apply-slow')).toHaveLength(7);
    expect(r.truncated).toContainEqual(expect.objectContaining({ member: 'etcd-2', reason: 'deadline' }));
    expect(r.errors).toContainEqual(expect.objectContaining({ message: 'HTTP 500: too many outstanding requests' }));
    expect(r.errors).toContainEqual(expect.objectContaining({ member: 'etcd-4', message: expect.stringContaining('ENOENT') }));
    expect(r.events.map((e) => e.time)).toEqual([...r.events.map((e) => e.time)].sort((a, b) => a - b));
  });
});
