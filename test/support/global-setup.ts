import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder per test run: TMPDIR points into it, so every `tmpdir()` of the tests and of the
 * services they start (Redis, Prometheus, Alertmanager, etcd, the live lab) lands there, and the whole folder goes when
 * the run ends. `npm test` makes it (and removes it even if vitest is killed); a direct `npx vitest`
 * gets one here.
 */
export default function setup(): () => void {
  const given = process.env['ETCD_TRIAGE_TEST_TMP'];
  const dir = given !== undefined && given !== '' ? given : mkdtempSync(join(tmpdir(), 'etcd-triage-test-'));
  process.env['ETCD_TRIAGE_TEST_TMP'] = dir;
  process.env['TMPDIR'] = dir;
  // The live lab keeps its state (etcd data, logs, pid files) there too, not in the checkout's .lab/.
  process.env['LAB_DIR'] ??= join(dir, 'lab');
  return () => {
    if (given === undefined || given === '') rmSync(dir, { recursive: true, force: true });
  };
}
