import { readFileSync } from 'node:fs';

/**
 * A process' or thread's stat file (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`), read once:
 * returns field `n` (1-based, as proc(5) numbers them) as a number, so several fields come from the
 * same moment. The command name (field 2) is in parentheses and may hold spaces or parentheses of its
 * own, so fields are counted from the last `)`: the first one after it is field 3 (state). Throws if
 * the process or thread is gone.
 */
export function procStat(file: string): (n: number) => number {
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (n) => {
    if (n < 3) throw new Error(`stat field ${n}: only fields after the command name (3 and up) are numbers`);
    return Number(fields[n - 3]);
  };
}
