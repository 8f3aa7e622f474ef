/**
 * Reading etcd's repository at release tags, for the generators of the version tables
 * (extract-etcd-flags.ts, extract-etcd-names.ts): git show at a tag, the release tags of a minor, and the
 * arguments of a Go call.
 */
import { execFileSync } from 'node:child_process';

export const MINORS = ['3.4', '3.5', '3.6'] as const;
export type Minor = (typeof MINORS)[number];

export interface EtcdGit {
  git: (...args: string[]) => string;
  /** The file at that tag, or undefined when it has none. */
  show: (tag: string, path: string) => string | undefined;
  /** v3.5.0 … v3.5.33, oldest first (no pre-releases). */
  tagsOf: (minor: Minor) => string[];
}

export function etcdGit(gitDir: string): EtcdGit {
  const git = (...args: string[]): string =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  const show = (tag: string, path: string): string | undefined => {
    try {
      return git('show', `${tag}:${path}`);
    } catch {
      return undefined;
    }
  };
  const patch = (t: string): number => Number(t.split('.')[2]);
  const tagsOf = (minor: Minor): string[] =>
    git('tag', '-l', `v${minor}.*`)
      .split('\n')
      .filter((t) => new RegExp(`^v${minor.replace('.', '\\.')}\\.\\d+$`).test(t))
      .sort((a, b) => patch(a) - patch(b));
  return { git, show, tagsOf };
}

/** The arguments of a call whose opening parenthesis is at `open`, skipping strings and nested calls. */
export function callArgs(text: string, open: number): { args: Array<{ text: string; at: number }> } | undefined {
  const args: Array<{ text: string; at: number }> = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === '`') {
      const end = c === '"' ? /(?<!\\)(?:\\\\)*"/g : /`/g;
      end.lastIndex = i + 1;
      const m = end.exec(text);
      if (!m) return undefined;
      i = m.index + m[0].length - 1;
    } else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        args.push({ text: text.slice(start, i).trim(), at: start });
        return { args };
      }
    } else if (c === ',' && depth === 1) {
      args.push({ text: text.slice(start, i).trim(), at: start });
      start = i + 1;
    }
  }
  return undefined;
}

/** 1-based line of an offset. */
export const lineAt = (text: string, i: number): number => text.slice(0, i).split('\n').length;
