import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedUrl, tempDir, type RefusedUrl } from '../../support/processes.js';

/**
 * Commands that only print must start fast: they must not load the service stack (Bolt, BullMQ, ioredis),
 * which only `start`, `serve` and `worker` need. The CLI runs as a user runs it, with a preloaded module
 * hook that records every module URL the process resolves.
 */
const recorder = fileURLToPath(new URL('./record-modules.mjs', import.meta.url));
const SERVICE_PACKAGES = ['@slack/bolt', 'bullmq', 'ioredis'];

/** A Prometheus that is down: every connection refused. */
let down: RefusedUrl;
beforeAll(async () => {
  down = await refusedUrl();
});
afterAll(async () => {
  await down?.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Packages of SERVICE_PACKAGES the process loaded. */
  loaded: string[];
}

async function runRecorded(args: string[]): Promise<Run> {
  const file = join(tempDir('modules'), 'modules.txt');
  writeFileSync(file, '');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', recorder, '--import', 'tsx', ...args],
      { cwd: process.cwd(), env: { ...process.env, RECORD_MODULES_FILE: file, NO_COLOR: '1' }, timeout: 60_000 },
      (err, out, errOut) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout: out, stderr: errOut }),
    );
  });
  const urls = readFileSync(file, 'utf8');
  const loaded = SERVICE_PACKAGES.filter((p) => urls.includes(`/node_modules/${p}/`));
  return { code, stdout, stderr, loaded };
}

describe('commands that only print load no service code', () => {
  it('the recorder sees the service packages when the services module is loaded (control)', async () => {
    const r = await runRecorded(['--input-type=module', '-e', "await import('./src/cli/run/services.ts')"]);
    expect(r.code).toBe(0);
    expect(r.loaded).toEqual(SERVICE_PACKAGES);
  });

  it('--help prints the commands without loading Bolt, BullMQ or ioredis', async () => {
    const r = await runRecorded(['src/cli/main.ts', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('why-slow');
    expect(r.stdout).toContain('start');
    expect(r.loaded).toEqual([]);
  });

  it('why-slow runs a whole diagnosis without loading Bolt, BullMQ or ioredis', async () => {
    // A Prometheus port with nothing listening: the diagnosis runs every step and ends with exit 3.
    const dir = tempDir('lazy');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `clusters:\n  lab:\n    prometheus: { url: "${down.url}" }\n    selector: { job: etcd }\n`);
    const r = await runRecorded(['src/cli/main.ts', 'why-slow', 'lab', '--config', config]);
    expect(r.stderr).toContain('did not answer');
    expect(r.code).toBe(3);
    expect(r.loaded).toEqual([]);
  });

  it('status evaluates a cluster without loading Bolt, BullMQ or ioredis', async () => {
    const dir = tempDir('lazy');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `clusters:\n  lab:\n    prometheus: { url: "${down.url}" }\n    selector: { job: etcd }\n`);
    const r = await runRecorded(['src/cli/main.ts', 'status', 'lab', '--config', config]);
    expect(r.stdout).toContain('lab  Prometheus unreachable');
    expect(r.code).toBe(3);
    expect(r.loaded).toEqual([]);
  });

  it('check-config validates without loading Bolt, BullMQ or ioredis', async () => {
    const dir = tempDir('lazy');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'clusters:\n  lab:\n    prometheus: { url: "http://127.0.0.1:9" }\n    selector: { job: etcd }\n');
    const r = await runRecorded(['src/cli/main.ts', 'check-config', '--config', config]);
    expect(r.stdout).toContain(': OK');
    expect(r.code).toBe(0);
    expect(r.loaded).toEqual([]);
  });

  it('check-config --probe asks Prometheus without loading Bolt, BullMQ or ioredis', async () => {
    const dir = tempDir('lazy');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `clusters:\n  lab:\n    prometheus: { url: "${down.url}" }\n    selector: { job: etcd }\n`);
    const r = await runRecorded(['src/cli/main.ts', 'check-config', '--config', config, '--probe']);
    expect(r.stdout).toContain('WARNING cluster lab: cannot probe');
    expect(r.code).toBe(4);
    expect(r.loaded).toEqual([]);
  });
});
