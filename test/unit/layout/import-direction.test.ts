import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Imports flow one way through src/ (ingress → jobs → diagnosis → report → delivery, with config,
 * sources and telemetry underneath): no file imports itself back through others, and no folder of src/
 * imports a folder that imports it. The imports are read by TypeScript's own pre-processor (static
 * imports and re-exports, type-only ones included: a type import still ties the two files together).
 */
const SRC = resolve(import.meta.dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** file → the files of src/ it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
    graph.set(file, targets.filter((t) => t.startsWith(SRC)));
  }
  return graph;
}

/** One cycle per strongly tied group, as a list of names, found by depth-first search. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const folderOf = (file: string): string => relative(SRC, file).split('/')[0]!;

describe('imports in src/ flow one way', () => {
  const files = importGraph();

  it('no file reaches itself through its imports', () => {
    expect(cycles(files).map((c) => c.map((f) => relative(SRC, f)).join(' → '))).toEqual([]);
  });

  it('no folder of src/ imports a folder that imports it', () => {
    const folders = new Map<string, string[]>();
    for (const [file, targets] of files) {
      const from = folderOf(file);
      const to = new Set([...(folders.get(from) ?? []), ...targets.map(folderOf).filter((f) => f !== from)]);
      folders.set(from, [...to]);
    }
    expect(cycles(folders).map((c) => c.join(' → '))).toEqual([]);
  });

  // Downstream of the diagnosis come the report and delivery; upstream the triggers and queues.
  it('the diagnosis reaches nothing upstream of it: no Slack front, queue or report', () => {
    const below = [...files].filter(([file]) => folderOf(file) === 'diagnosis');
    const reaching = below.flatMap(([file, targets]) =>
      targets.filter((t) => ['ingress', 'jobs', 'report', 'cli'].includes(folderOf(t))).map((t) => `${relative(SRC, file)} → ${relative(SRC, t)}`),
    );
    expect(reaching).toEqual([]);
  });
});
