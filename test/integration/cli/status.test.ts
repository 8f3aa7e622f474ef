import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { cli } from '../../support/cli-run.js';
import { refusedUrl, tempDir, type RefusedUrl } from '../../support/processes.js';

const quiet = (stderr: string): string => stderr.replace(/npm warn.*\n/g, '');

/**
 * `etcd-triage status` against real Prometheus servers serving two recorded incidents (a slow disk on
 * one follower, a healthy control) and a port where nothing answers.
 */
let disk: LoadedScenario;
let calm: LoadedScenario;
let configFile: string;
let at: string;
let down: RefusedUrl;

beforeAll(async () => {
  disk = await loadScenario('disk-slow-follower');
  calm = await loadScenario('healthy-control');
  configFile = join(tempDir('status'), 'etcd-triage.yaml');
  writeFileSync(
    configFile,
    `clusters:
  lab:
    prometheus: { url: "${disk.url}" }
    selector: { job: etcd }
    nodeExporter: { selector: { job: node } }
  calm:
    prometheus: { url: "${calm.url}" }
    selector: { job: etcd }
  gone:
    prometheus: { url: "${(down = await refusedUrl()).url}", timeoutMs: 1000 }
    selector: { job: etcd }
`,
  );
  // Both recordings hold data 90 s after their onset; each Prometheus answers only for its own.
  at = new Date(Math.floor(disk.times.faultStart + 90) * 1000).toISOString();
}, 120_000);

afterAll(async () => {
  await Promise.all([disk?.stop(), calm?.stop(), down?.close()]);
});

describe('etcd-triage status (CLI)', () => {
  it("names the slow disk on its member, the leader and that member's fsync against its guideline", async () => {
    const slow = disk.meta.fault.member!;
    const r = await cli(['status', 'lab', '--config', configFile, '--at', at]);
    expect(quiet(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^🟠 lab  disk on ${slow} · leader ${disk.meta.leader.atFaultStart} · WAL fsync p99 ≥ \\d+(\\.\\d+)? (ms|s) ${slow} \\(10 ms\\) · db [\\d.]+ [KMG]iB/2 GiB \\(\\d+%\\)`));
    // Short enough for a phone screen held sideways.
    expect(lines[0]!.length).toBeLessThan(140);
  });

  it('all: one line per cluster in name order, a Prometheus that does not answer says so, exit 3', async () => {
    const calmAt = new Date(Math.floor(calm.times.faultStart + 90) * 1000).toISOString();
    const r = await cli(['status', 'all', '--config', configFile, '--at', calmAt]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(r.code, r.stdout).toBe(3);
    expect(lines.map((l) => l.split('  ')[0]), r.stdout).toEqual(['✅ calm', '❔ gone', '❔ lab']);
    expect(lines[0]).toMatch(/^✅ calm {2}ok · leader etcd-\d · .+ · db /);
    expect(lines[1]).toMatch(/^❔ gone {2}Prometheus unreachable: cannot reach http:\/\/127\.0\.0\.2:\d+: ECONNREFUSED$/);
    // The disk recording has no data at the control's time: said as such, not as healthy.
    expect(lines[2]).toMatch(/^❔ lab {2}no data: no target matches \{job="etcd"\} in the last minute$/);
  });

  it('json: the evaluation with its health, suspects and the queries it spent', async () => {
    const r = await cli(['status', 'lab', '--config', configFile, '--at', at, '--format', 'json']);
    expect(r.code).toBe(0);
    const [ev] = JSON.parse(r.stdout) as Array<{ cluster: string; health: string; suspects: Array<{ kind: string; member: string }>; queries: number; at: string }>;
    expect(ev).toMatchObject({ cluster: 'lab', health: 'suspect', at: new Date(Date.parse(at)).toISOString() });
    expect(ev!.suspects[0]).toMatchObject({ kind: 'disk', member: disk.meta.fault.member });
    expect(ev!.queries).toBeLessThanOrEqual(10);
  });

  it('an unknown cluster exits 2 and lists the configured ones; a bad --at exits 2', async () => {
    const r = await cli(['status', 'prod', '--config', configFile]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(quiet(r.stderr)).toBe('etcd-triage: unknown cluster "prod"; configured clusters: calm, gone, lab\n');
    const bad = await cli(['status', 'lab', '--config', configFile, '--at', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(quiet(bad.stderr)).toContain('--at "yesterday" is not an RFC 3339 time');
    const fmt = await cli(['status', 'lab', '--config', configFile, '--format', 'markdown']);
    expect(fmt.code).toBe(2);
  });
});
