import type { EtcdProgram } from './versions.js';

/**
 * The etcd and etcdctl flags in a suggested shell command. Commands are one line of shell: segments are
 * split at `&&`, `||`, `|`, `;`, `$(` and `)`, a segment's program is its first word after `sudo` and
 * variable assignments, and a trailing `  # comment` is not part of the command.
 */
export interface CommandFlag {
  program: EtcdProgram;
  /** As written: --wal-dir, -w. */
  token: string;
  /** Long name or one letter, without dashes. */
  name: string;
  short: boolean;
  /** Offset of the token in the command. */
  at: number;
}

const SEPARATOR = /&&|\|\||\||;|\$\(|\)|\n/g;

export function commandFlags(command: string): CommandFlag[] {
  const text = stripComment(command);
  const out: CommandFlag[] = [];
  let start = 0;
  const segments: Array<{ text: string; at: number }> = [];
  for (const m of text.matchAll(SEPARATOR)) {
    segments.push({ text: text.slice(start, m.index), at: start });
    start = m.index + m[0].length;
  }
  segments.push({ text: text.slice(start), at: start });
  for (const seg of segments) {
    const words = [...seg.text.matchAll(/\S+/g)];
    let i = 0;
    while (i < words.length && (words[i]![0] === 'sudo' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]![0]))) i++;
    const program = words[i]?.[0];
    if (program !== 'etcd' && program !== 'etcdctl') continue;
    for (const w of words.slice(i + 1)) {
      const long = /^--([a-z0-9][a-z0-9.-]*)(=|$)/.exec(w[0]);
      const short = /^-([a-zA-Z])$/.exec(w[0]);
      if (long) out.push({ program, token: `--${long[1]}`, name: long[1]!, short: false, at: seg.at + w.index });
      else if (short) out.push({ program, token: w[0], name: short[1]!, short: true, at: seg.at + w.index });
    }
  }
  return out;
}

/** ` # why` at the end of a command line explains it; it is not part of what runs. */
function stripComment(command: string): string {
  // Blanked rather than cut, so that offsets still point into the command as written.
  return command.replace(/\s#\s.*$/gm, (c) => ' '.repeat(c.length));
}
