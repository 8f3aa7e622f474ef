import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { runLabScenario, type LabScenario, type LabScenarioOptions } from '../support/lab.js';
import type { Diagnosis } from '../../src/diagnosis/types.js';
import type { FaultKind } from '../../deploy/lab/lib/faults.js';

/** The bot's own answer on the live lab, through its command line, as a user would get it. */
const execFileP = promisify(execFile);

async function whySlow(lab: LabScenario): Promise<Diagnosis> {
  const { stdout } = await execFileP(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'why-slow', 'lab', '--config', lab.configPath, '--window', '3m', '--format', 'json'],
    { cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, LAB_WEBHOOK_TOKEN: 'lab-webhook-token' }, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Diagnosis;
}

/** What the diagnosis must say for each fault the lab injects. */
export const EXPECTED_CAUSE: Record<Exclude<FaultKind, 'none'>, { playbook: string; causes: string[] }> = {
  disk: { playbook: 'disk', causes: ['slow-disk'] },
  network: { playbook: 'network', causes: ['slow-network'] },
  cpu: { playbook: 'resources', causes: ['cpu-starved', 'cpu-contention'] },
  expensive: { playbook: 'expensive', causes: ['expensive-reads'] },
  capacity: { playbook: 'capacity', causes: ['write-overload'] },
};

/** Brings the lab up, injects one fault, lets it run into the window, and checks the bot's top cause. */
export async function expectLiveDiagnosis(kind: Exclude<FaultKind, 'none'>, opts: LabScenarioOptions = {}): Promise<void> {
  await runLabScenario(kind, async (lab) => {
    // Let more of the fault land in the window than the bare visibility threshold needs.
    await new Promise((r) => setTimeout(r, 30_000));
    const d = await whySlow(lab);
    expect(d.healthy).toBe(false);
    const top = d.causes[0];
    const want = EXPECTED_CAUSE[kind];
    expect({ playbook: top?.playbook, headline: d.headline }).toMatchObject({ playbook: want.playbook });
    expect(want.causes).toContain(top?.cause);
    // Live on 2 shared cores a starved member's neighbour can be touched too: the faulted member must
    // be named, and named first (most affected). The recorded incidents assert the exact list.
    if (lab.fault.member && kind !== 'expensive' && kind !== 'capacity') expect(top?.members[0]).toBe(lab.fault.member);
  }, opts);
}
