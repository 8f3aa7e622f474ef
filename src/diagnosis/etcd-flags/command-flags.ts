import { FLAG_TABLE } from './flag-table.js';
import type { EtcdProgram } from './versions.js';

/**
 * The etcd and etcdctl flags in a suggested shell command. Commands are one line of shell: segments are
 * split at `&&`, `||`, `|`, `;`, `$(` and `)`, a segment's program is its first word after `sudo` and
 * variable assignments, and a trailing `  # comment` is not part of the command. A `<placeholder with
 * spaces>` is one word. An etcdctl flag is given to the command its other words name: the words that are
 * not flags, read down etcdctl's command tree (any release's) while each names a subcommand, by name or by
 * a prefix naming only one (etcdctl enables cobra's prefix matching: `compact` is `compaction`).
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
  /** etcdctl only: the command it is given to ("endpoint status"; "" when the words name none). */
  command?: string;
}

/** A shell word; `<…>` placeholders and quoted strings may hold spaces. */
const WORD = /(?:<[^>]*>|"[^"]*"|'[^']*'|[^\s<"'])+/g;

const SEPARATOR = /&&|\|\||\||;|\$\(|\)|\n/g;

/** One run of etcd or etcdctl in a command line: its words after the program, and etcdctl's command path. */
interface ProgramRun {
  program: EtcdProgram;
  words: Array<{ text: string; at: number }>;
  command?: string;
}

function programRuns(command: string): ProgramRun[] {
  const text = stripComment(command);
  let start = 0;
  const segments: Array<{ text: string; at: number }> = [];
  for (const m of text.matchAll(SEPARATOR)) {
    segments.push({ text: text.slice(start, m.index), at: start });
    start = m.index + m[0].length;
  }
  segments.push({ text: text.slice(start), at: start });
  const runs: ProgramRun[] = [];
  for (const seg of segments) {
    const words = [...seg.text.matchAll(WORD)].map((w) => ({ text: w[0], at: seg.at + w.index }));
    let i = 0;
    while (i < words.length && (words[i]!.text === 'sudo' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!.text))) i++;
    const program = words[i]?.text;
    if (program !== 'etcd' && program !== 'etcdctl') continue;
    const args = words.slice(i + 1);
    const command = program === 'etcdctl' ? etcdctlCommandOf(args.map((w) => w.text).filter((w) => !w.startsWith('-'))) : undefined;
    runs.push({ program, words: args, ...(command !== undefined ? { command } : {}) });
  }
  return runs;
}

export function commandFlags(command: string): CommandFlag[] {
  const out: CommandFlag[] = [];
  for (const run of programRuns(command)) {
    const where = run.command !== undefined ? { command: run.command } : {};
    for (const w of run.words) {
      const long = /^--([a-z0-9][a-z0-9.-]*)(=|$)/.exec(w.text);
      const short = /^-([a-zA-Z])$/.exec(w.text);
      if (long) out.push({ program: run.program, token: `--${long[1]}`, name: long[1]!, short: false, at: w.at, ...where });
      else if (short) out.push({ program: run.program, token: w.text, name: short[1]!, short: true, at: w.at, ...where });
    }
  }
  return out;
}

/** The etcdctl command paths a command line runs, in order ("" for an etcdctl naming none). */
export function etcdctlCommandsIn(command: string): string[] {
  return programRuns(command).flatMap((r) => (r.command !== undefined ? [r.command] : []));
}

/** ` # why` at the end of a command line explains it; it is not part of what runs. */
function stripComment(command: string): string {
  // Blanked rather than cut, so that offsets still point into the command as written.
  return command.replace(/\s#\s.*$/gm, (c) => ' '.repeat(c.length));
}

const COMMANDS = Object.keys(FLAG_TABLE.etcdctlCommands.commands);

/** The command path the words name, e.g. ["endpoint", "status", "x"] → "endpoint status"; "" for none. */
export function etcdctlCommandOf(words: string[]): string {
  let path = '';
  for (const word of words) {
    const children = COMMANDS.filter((c) => c !== '' && c.startsWith(path ? `${path} ` : '') && !c.slice(path ? path.length + 1 : 0).includes(' '));
    const name = (c: string): string => c.slice(path ? path.length + 1 : 0);
    const exact = children.find((c) => name(c) === word);
    const prefixed = children.filter((c) => name(c).startsWith(word));
    const next = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
    if (!next) break;
    path = next;
  }
  return path;
}
