import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { whySlow } from '../../../src/cli/commands/why-slow.js';
import { CliError } from '../../../src/cli/exit.js';
import { freePort, tempDir } from '../../support/processes.js';

const run = promisify(execFile);

/**
 * `why-slow --end` takes RFC 3339 only. Anything else is bad input: exit 2 with the reason, before any
 * query. Accepted times go on to the diagnosis, here against a closed port (exit 3: Prometheus did not
 * answer), which shows the time was taken without needing a Prometheus.
 */
let configFile: string;

beforeAll(async () => {
  const dir = tempDir('cli-end');
  configFile = join(dir, 'etcd-triage.yaml');
  const deadPort = await freePort();
  writeFileSync(configFile, `clusters:\n  lab:\n    prometheus: { url: "http://127.0.0.1:${deadPort}", timeoutMs: 500 }\n    selector: { job: etcd }\n`);
});

async function exitCodeFor(end: string): Promise<{ code: number; message: string }> {
  try {
    await whySlow('lab', { config: configFile, format: 'text', window: '5m', end });
    return { code: 0, message: '' };
  } catch (err) {
    if (err instanceof CliError) return { code: err.exitCode, message: err.message };
    throw err;
  }
}

describe('why-slow --end', () => {
  it.each(['2024-05-01', '2024-05-01T10:00:00', 'May 1 2024 10:00', '1714557600', '2024-02-30T10:00:00Z', '2024-05-01 10:00:00Z', 'now', ''])(
    'refuses %j with exit 2 and says what a time looks like',
    async (end) => {
      const r = await exitCodeFor(end);
      expect(r.code).toBe(2);
      expect(r.message).toBe(`--end ${JSON.stringify(end)} is not an RFC 3339 time: give date, time and zone, e.g. 2024-05-01T10:00:00Z`);
    },
  );

  it('quotes a long value cut short', async () => {
    const r = await exitCodeFor(`2024-05-01T10:00:00${'9'.repeat(5000)}`);
    expect(r.code).toBe(2);
    expect(r.message.length).toBeLessThan(160);
  });

  it.each(['2024-05-01T10:00:00Z', '2024-05-01T12:00:00.5+02:00'])('accepts %j and goes on to query', async (end) => {
    const r = await exitCodeFor(end);
    expect(r.code).toBe(3);
  });

  it('the command itself exits 2 with the reason on stderr', async () => {
    const r = await run('npx', ['tsx', 'src/cli/main.ts', 'why-slow', 'lab', '--config', configFile, '--end', '2024-05-01'], {
      cwd: process.cwd(),
      env: { ...process.env, NO_COLOR: '1' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--end "2024-05-01" is not an RFC 3339 time');
  }, 60_000);
});
