import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/processes.js';

/**
 * `npm run demo` leaves nothing behind, even when it fails: the lab's state lives in a temporary folder
 * that goes with it. Made to fail cheaply: one of the lab's ports is already taken, which the lab refuses
 * before it starts anything (another process there would answer in place of the lab's own part).
 */
const run = promisify(execFile);
const base = 42_000 + 1000 * Math.floor(Math.random() * 18);
let blocker: Server;
let tmp: string;

beforeAll(async () => {
  tmp = tempDir('demo');
  blocker = createServer();
  // The lab's Prometheus port.
  await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(base + 90, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((r) => blocker?.close(r));
});

describe('npm run demo', () => {
  it('with a lab port taken: refuses before starting anything, says which port, and leaves no folder behind', async () => {
    const labDirBefore = existsSync('.lab') ? readdirSync('.lab').sort() : undefined;
    let code = 0;
    let stderr = '';
    try {
      await run('bash', ['deploy/lab/demo.sh'], { env: { ...process.env, TMPDIR: tmp, LAB_PORT_BASE: String(base), LAB_DIR: '' }, timeout: 120_000 });
    } catch (err) {
      ({ code, stderr } = err as { code: number; stderr: string });
    }
    expect(code).not.toBe(0);
    expect(stderr).toContain(`port(s) ${base + 90} (Prometheus) already in use`);
    expect(stderr).toContain('tearing the lab down');
    // Nothing left in its temporary folder, nothing added to the checkout's .lab.
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync('.lab') ? readdirSync('.lab').sort() : undefined).toEqual(labDirBefore);
  }, 150_000);
});
