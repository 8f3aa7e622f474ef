import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../support/processes.js';

/**
 * The package as the container image runs it (`node dist/cli/main.js`): compiled with the build's
 * tsconfig into a temporary folder, beside links to node_modules and playbooks/. Timing the sources
 * through tsx would measure TypeScript transpiling instead of the bot.
 */
export function buildDist(): { root: string; main: string } {
  const repo = resolve(import.meta.dirname, '..', '..');
  const root = tempDir('bench-dist');
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(root, 'dist')], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (err) {
    // Type errors still emit JavaScript; only a build that produced no CLI is unusable.
    if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw err;
    process.stderr.write('build-dist: the type check reported errors; timing the emitted JavaScript anyway\n');
  }
  copyFileSync(join(repo, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(repo, 'playbooks'), join(root, 'playbooks'));
  return { root, main: join(root, 'dist', 'cli', 'main.js') };
}
