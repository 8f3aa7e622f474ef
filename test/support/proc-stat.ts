import { readFileSync } from 'node:fs';

/**
 * Field `n` (1-based, as proc(5) numbers them) of a process' or thread's stat file
 * (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`) as a number. The command name (field 2) is in
 * parentheses and may hold spaces or parentheses of its own, so fields are counted from the last `)`:
 * the first one after it is field 3 (state). Throws if the process or thread is gone.
 */
export function procStatField(file: string, n: number): number {
  if (n < 3) throw new Error(`stat field ${n}: only fields after the command name (3 and up) are numbers`);
  const stat = readFileSync(file, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]);
}
