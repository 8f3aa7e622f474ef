import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { tempDir } from '../../support/processes.js';
import { readPng } from '../../support/png.js';
import { CHART_SIZE } from '../../../src/report/charts/spec.js';

/**
 * `etcd-triage why-slow CLUSTER --charts DIR` as a user runs it: the same PNGs as the Slack thread, in
 * DIR; a DIR that cannot take them is refused before any query runs. The run is recorded with the module
 * hook of the lazy-load test: drawing charts must not load the Slack or queue stack.
 */
const recorder = fileURLToPath(new URL('../cli/record-modules.mjs', import.meta.url));
const SERVICE_PACKAGES = ['@slack/bolt', 'bullmq', 'ioredis'];

let prom: LoadedScenario;
let dir: string;
let config: string;
let end: string;

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[] }> {
  const modules = join(tempDir('modules'), 'modules.txt');
  writeFileSync(modules, '');
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', recorder, '--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: process.cwd(), env: { ...process.env, RECORD_MODULES_FILE: modules, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr }),
    );
  });
  const urls = readFileSync(modules, 'utf8');
  return { ...r, loaded: SERVICE_PACKAGES.filter((p) => urls.includes(`/node_modules/${p}/`)) };
}

beforeAll(async () => {
  prom = await loadScenario('disk-slow-follower');
  dir = tempDir('cli-charts');
  config = join(dir, 'etcd-triage.yaml');
  writeFileSync(config, `clusters:\n  lab:\n    prometheus: { url: "${prom.url}" }\n    selector: { job: etcd }\n`);
  end = new Date((Math.floor(prom.times.faultStart) + 150) * 1000).toISOString();
}, 120_000);

afterAll(async () => {
  await prom?.stop();
});

describe('why-slow --charts DIR', () => {
  it('writes the charts of the top cause as PNG files and says so on stderr, without the Slack or queue stack', async () => {
    const out = tempDir('charts-out');
    const r = await cli(['why-slow', 'lab', '--config', config, '--window', '3m', '--end', end, '--charts', out]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/Slow disk on etcd-2/);
    expect(r.stderr).toContain(`chart written: ${join(out, 'lab-disk-wal_fsync_p99.png')}`);
    // The deciding signal, and the effect it explains (pending proposals piling up behind slow fsyncs).
    const files = readdirSync(out).sort();
    expect(files).toEqual(['lab-capacity-pending_proposals.png', 'lab-disk-wal_fsync_p99.png']);
    for (const f of files) {
      const png = readPng(readFileSync(join(out, f)));
      expect({ width: png.width, height: png.height }).toEqual({ width: CHART_SIZE.width * 2, height: CHART_SIZE.height * 2 });
      expect(png.variance).toBeGreaterThan(100);
    }
    expect(r.loaded).toEqual([]);
  });

  it.each([
    ['a folder that does not exist', () => join(dir, 'nope'), /--charts .*nope: no such directory \(create it first\)/],
    ['a file instead of a folder', () => config, /--charts .*etcd-triage\.yaml: not a directory/],
  ])('%s → exit 2 with a one-line reason and no diagnosis printed', async (_what, target, reason) => {
    const r = await cli(['why-slow', 'lab', '--config', config, '--window', '3m', '--end', end, '--charts', target()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
