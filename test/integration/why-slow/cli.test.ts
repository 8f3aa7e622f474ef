import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { cli } from '../../support/cli-run.js';
import { refusedUrl, tempDir, type RefusedUrl } from '../../support/processes.js';

let prom: LoadedScenario;
let dir: string;
let configFile: string;
let down: RefusedUrl;
let end: string;

beforeAll(async () => {
  prom = await loadScenario('disk-slow-follower');
  dir = tempDir('cli');
  configFile = join(dir, 'etcd-triage.yaml');
  down = await refusedUrl();
  writeFileSync(
    configFile,
    `clusters:
  lab:
    prometheus: { url: "${prom.url}" }
    selector: { job: etcd }
  gone:
    prometheus: { url: "${down.url}", timeoutMs: 1000 }
    selector: { job: etcd }
`,
  );
  end = new Date(Math.floor(prom.times.faultEnd) * 1000).toISOString();
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await down?.close();
});

describe('etcd-triage why-slow (CLI)', () => {
  it('prints the slow-disk finding for the faulted member', async () => {
    const slow = prom.meta.fault.member!;
    const r = await cli(['why-slow', 'lab', '--config', configFile, '--window', '3m', '--end', end]);
    expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(r.code).toBe(0);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toMatch(new RegExp(`Slow disk on ${slow}`));
    expect(r.stdout).toMatch(new RegExp(`WAL fsync p99: ${slow} (≥ )?\\d+(\\.\\d+)? (ms|s) 🔴`));
    expect(r.stdout).toContain('sudo ionice -c2 -n0');
  });

  it('JSON output follows the documented contract, and a saved bundle replays to the same diagnosis', async () => {
    const bundle = join(dir, 'evidence.json');
    const r = await cli(['why-slow', 'lab', '--config', configFile, '--window', '3m', '--end', end, '--format', 'json', '--save-evidence', bundle]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Record<string, unknown> & {
      causes: Array<{ playbook: string; members: string[]; severity: string; confidence: string; summary: string }>;
    };
    expect(d.cluster).toBe('lab');
    expect(d.healthy).toBe(false);
    expect(d.window).toMatchObject({ seconds: 180, end });
    expect(d.causes[0]).toMatchObject({ playbook: 'disk', members: [prom.meta.fault.member] });
    for (const k of ['consequences', 'findings', 'suggestions', 'missing_evidence']) expect(d).toHaveProperty(k);

    const replayed = await cli(['replay', bundle, '--format', 'json']);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual(d);
  });

  it('an unknown cluster exits 2 with a one-line reason', async () => {
    const r = await cli(['why-slow', 'nosuch', '--config', configFile]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'))).toEqual([
      'etcd-triage: unknown cluster "nosuch"; configured clusters: gone, lab',
    ]);
  });

  it('an unreachable Prometheus exits 3 and says so', async () => {
    const r = await cli(['why-slow', 'gone', '--config', configFile, '--window', '5m']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/etcd-triage: Prometheus for gone \(http:\/\/127\.0\.0\.2:\d+\) did not answer: cannot reach .*ECONNREFUSED/);
  });

  it('a bad window exits 2 with the reason', async () => {
    const r = await cli(['why-slow', 'lab', '--config', configFile, '--window', '2d']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('window 2d is out of range: allowed 1m to 24h');
  });
});
