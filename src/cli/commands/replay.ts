import { readFileSync } from 'node:fs';
import { loadPlaybooks } from '../../diagnosis/playbook/load.js';
import { diagnose } from '../../diagnosis/judge/diagnose.js';
import { parseEvidenceBundle } from '../../diagnosis/evidence/bundle.js';
import { render, type OutputFormat } from '../../report/render.js';
import { CliError, EXIT } from '../exit.js';

/** `etcd-triage replay FILE`: re-runs the playbooks over saved evidence, offline. */
export function replay(file: string, opts: { format: OutputFormat; playbooks?: string }): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.usage);
  }
  const parsed = parseEvidenceBundle(text);
  if (!parsed.ok) throw new CliError(`${file} is not an evidence bundle: ${parsed.reason}`, EXIT.usage);
  return render(diagnose(parsed.evidence, loadPlaybooks(opts.playbooks)), opts.format);
}
