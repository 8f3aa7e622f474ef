import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { playbookSchema, type Playbook } from './schema.js';
import { ConfigError } from '../../config/errors.js';
import { formatIssues } from '../../config/zod-issues.js';

/** playbooks/ at the top of the package; the same depth from src/ and from dist/. */
export const DEFAULT_PLAYBOOKS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../playbooks');

/** Parses one playbook file; problems name the file and the field. */
export function parsePlaybook(text: string, file: string): Playbook {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new ConfigError(file, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  const parsed = playbookSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error));
  return parsed.data;
}

/**
 * Loads every *.yaml in the folder. All files are checked before failing so that an operator sees
 * every problem at once; ids must be unique across files.
 */
export function loadPlaybooks(dir: string = DEFAULT_PLAYBOOKS_DIR): Playbook[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (err) {
    throw new ConfigError(dir, [`cannot read the playbooks folder: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  if (names.length === 0) throw new ConfigError(dir, ['no playbook files (*.yaml) in this folder']);
  const playbooks: Playbook[] = [];
  const errors: ConfigError[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    try {
      const pb = parsePlaybook(readFileSync(file, 'utf8'), file);
      const other = seen.get(pb.id);
      if (other) throw new ConfigError(file, [`id: "${pb.id}" is already used by ${other}`]);
      seen.set(pb.id, file);
      playbooks.push(pb);
    } catch (err) {
      if (err instanceof ConfigError) errors.push(err);
      else throw err;
    }
  }
  // References are checked only once every file parsed: a broken file would make them all look wrong.
  if (errors.length > 0) {
    throw new ConfigError(dir, errors.flatMap((e) => e.problems.map((p) => `${e.file}: ${p}`)));
  }
  // Causes may defer to causes of other playbooks: every reference must name one that exists.
  const causes = new Set(playbooks.flatMap((pb) => pb.causes.map((c) => `${pb.id}/${c.id}`)));
  for (const pb of playbooks) {
    pb.causes.forEach((c, i) =>
      c.explainedBy.forEach((ref, j) => {
        if (!causes.has(ref)) {
          errors.push(new ConfigError(seen.get(pb.id)!, [`causes.${i}.explainedBy.${j}: no cause "${ref}" in any playbook`]));
        }
      }),
    );
  }
  if (errors.length > 0) {
    throw new ConfigError(dir, errors.flatMap((e) => e.problems.map((p) => `${e.file}: ${p}`)));
  }
  return playbooks.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}
