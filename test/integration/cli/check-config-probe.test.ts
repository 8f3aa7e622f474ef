import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { refusedUrl, tempDir } from '../../support/processes.js';

/**
 * `check-config --probe` against a real Prometheus serving a recorded incident (shifted to end now, as a
 * live Prometheus would have it): selectors that match are confirmed with the members found; selectors
 * that match nothing are warned about, naming the label values that do exist, and the exit code says so.
 */
const run = promisify(execFile);
const root = process.cwd();

let s: LoadedScenario;
let dir: string;

beforeAll(async () => {
  s = await loadScenario('healthy-control', { endAt: Math.floor(Date.now() / 1000) });
  dir = tempDir('probe');
});
afterAll(async () => {
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function probe(cluster: Record<string, unknown>): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({ clusters: { lab: { prometheus: { url: s.url }, ...cluster } } }));
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'src/cli/launcher.js'), 'check-config', '--config', file, '--probe'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('check-config --probe', () => {
  it('confirms selectors that match, naming the members and the nodes found', async () => {
    const r = await probe({ selector: { job: 'etcd' }, nodeExporter: { selector: { job: 'node' } } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`probe:\n  ok cluster lab: 3 etcd member(s) in ${s.url}/ by instance: etcd-1, etcd-2, etcd-3\n  ok cluster lab: node_exporter {job="node"}: 1 node(s)\n`);
  });

  it('the kube-prometheus-stack job on a Prometheus that scrapes etcd as job="etcd": a warning naming that job, exit 4', async () => {
    const r = await probe({ selector: { job: 'kube-etcd' } });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(
      `  WARNING cluster lab: selector {job="kube-etcd"} matches no etcd series (etcd_server_has_leader) in ${s.url}/; etcd_server_has_leader is there with {job="etcd"} (3 series)\n`,
    );
  });

  it('a selector label the series do not carry shows up empty in what was found', async () => {
    const r = await probe({ selector: { job: 'etcd', cluster: 'prod' }, nodeExporter: { selector: { job: 'node-exporter' } } });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('etcd_server_has_leader is there with {cluster="",job="etcd"} (3 series)');
    expect(r.stdout).toContain(
      'WARNING cluster lab: nodeExporter selector {job="node-exporter"} matches no node_exporter series (node_cpu_seconds_total); node_cpu_seconds_total is there with {job="node"} (',
    );
  });

  it('a member label the series do not carry: warned, with the labels they have', async () => {
    const r = await probe({ selector: { job: 'etcd' }, memberLabel: 'pod' });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('WARNING cluster lab: 3 etcd member(s) in');
    expect(r.stdout).toContain('but 3 without the member label pod; their labels: address, instance, job');
  });

  it('a Prometheus that does not answer: a warning with the reason', async () => {
    const down = await refusedUrl();
    const file = join(dir, 'down.yaml');
    writeFileSync(file, stringify({ clusters: { lab: { prometheus: { url: down.url, timeoutMs: 2000 }, selector: { job: 'etcd' } } } }));
    const r = await run(process.execPath, [join(root, 'src/cli/launcher.js'), 'check-config', '--config', file, '--probe'], { cwd: root }).catch(
      (e: { code: number; stdout: string }) => e,
    ).finally(() => down.close());
    expect('code' in r ? r.code : 0).toBe(4);
    expect(r.stdout).toContain(`WARNING cluster lab: cannot probe in ${down.url}/: cannot reach ${down.url}: ECONNREFUSED`);
  });

  it('the summary names what the Prometheus connection carries besides its URL, never a header value', async () => {
    const file = join(dir, 'extras.yaml');
    writeFileSync(
      file,
      stringify({
        clusters: {
          lab: {
            prometheus: {
              url: `${s.url}/select/0/prometheus`,
              certFile: '/etc/c.pem',
              keyFile: '/etc/k.pem',
              headers: { 'X-Scope-OrgID': 'team-secret-a' },
              thanos: { partialResponse: true },
            },
            selector: { job: 'etcd' },
          },
        },
      }),
    );
    const { stdout } = await run(process.execPath, [join(root, 'src/cli/launcher.js'), 'check-config', '--config', file], { cwd: root });
    expect(stdout).toContain(
      `cluster lab: prometheus ${s.url}/select/0/prometheus, members {job="etcd"} by instance, no Slack channels, 0 log source(s) (prometheus with client certificate; headers X-Scope-OrgID; thanos dedup=true partial_response=true)`,
    );
    expect(stdout).not.toContain('team-secret-a');
  });

  it('without --probe nothing is asked and the summary ends with the playbooks', async () => {
    const file = join(dir, 'plain.yaml');
    writeFileSync(file, stringify({ clusters: { lab: { prometheus: { url: s.url }, selector: { job: 'kube-etcd' } } } }));
    const { stdout } = await run(process.execPath, [join(root, 'src/cli/launcher.js'), 'check-config', '--config', file], { cwd: root });
    expect(stdout).not.toContain('probe:');
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^playbooks: /);
  });
});
