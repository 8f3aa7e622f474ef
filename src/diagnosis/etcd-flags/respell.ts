import { commandFlags } from './command-flags.js';
import { flagIn, longNameOf, spellingsOf, type EtcdVersion } from './versions.js';

export interface Respelled {
  command: string;
  /** Flags that release has under no spelling: the command is not valid there. */
  missing: string[];
}

/**
 * The command with every etcd/etcdctl flag spelled as that release spells it: 3.6 drops the
 * `experimental-` prefix of flags that became stable (and warns about the old names), 3.5 renamed the bbolt
 * freelist flag. A name that release accepts only as deprecated is replaced when another spelling is current.
 */
export function respellForVersion(command: string, v: EtcdVersion): Respelled {
  const missing: string[] = [];
  const edits: Array<{ at: number; from: string; to: string }> = [];
  for (const f of commandFlags(command)) {
    if (f.short) {
      if (!longNameOf(f.program, f.name, v, f.command)) missing.push(f.token);
      continue;
    }
    const spellings = spellingsOf(f.name)
      .map((name) => ({ name, def: flagIn(f.program, name, v, f.command) }))
      .filter((s) => s.def !== undefined);
    const current = spellings.find((s) => !s.def!.deprecated);
    const chosen = current ?? spellings[0];
    if (!chosen) {
      missing.push(f.token);
      continue;
    }
    if (chosen.name !== f.name) edits.push({ at: f.at, from: f.token, to: `--${chosen.name}` });
  }
  let out = command;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.to + out.slice(e.at + e.from.length);
  return { command: out, missing };
}
