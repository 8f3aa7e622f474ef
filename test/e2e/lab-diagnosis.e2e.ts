import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runLabScenario, type LabScenario } from '../support/lab.js';
import type { Diagnosis } from '../../src/diagnosis/types.js';

/** The bot's own answer on the live lab, through its command line, as a user would get it. */
const execFileP = promisify(execFile);

async function whySlow(lab: LabScenario): Promise<Diagnosis> {
  const { stdout } = await execFileP(process.execPath, [
    '--import', 'tsx', 'src/cli/main.ts', 'why-slow', 'lab', '--config', lab.configPath, '--window', '5m', '--format', 'json',
  ], { cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, LAB_WEBHOOK_TOKEN: 'lab-webhook-token' }, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Diagnosis;
}

describe('live lab diagnosis', () => {
  it('names a slow disk on the faulted follower', async () => {
    await runLabScenario('disk', async (lab) => {
      // Let a few more slow fsyncs land in the window than the bare visibility threshold needs.
      await new Promise((r) => setTimeout(r, 20_000));
      const d = await whySlow(lab);
      expect(d.healthy).toBe(false);
      const top = d.causes[0];
      expect(top?.playbook).toBe('disk');
      expect(top?.members).toContain(lab.fault.member);
    });
  });
});
