#!/usr/bin/env node
// The `etcd-triage` command, as installed by npm (package.json "bin"). Plain JavaScript: it must run
// before anything can compile TypeScript.
//
// A checkout has the TypeScript sources and tsx (a devDependency), and no build output unless someone ran
// `npm run build`: there the sources are run through tsx, so `npx etcd-triage` works right after
// `npm install` and never runs a stale dist/. The container image is installed without devDependencies
// and carries the compiled dist/: there tsx is absent and the build is run.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// src/cli/ → the package root.
const root = fileURLToPath(new URL('../..', import.meta.url));
const source = `${root}src/cli/main.ts`;
const built = `${root}dist/cli/main.js`;

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch (err) {
    if (err && typeof err === 'object' && 'code' in err && err.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

const register = existsSync(source) ? await tsxRegister() : undefined;
if (register !== undefined) {
  register();
  await import(pathToFileURL(source).href);
} else if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write(`etcd-triage: neither ${built} (run \`npm run build\`) nor tsx with ${source} (run \`npm install\`) is present\n`);
  process.exitCode = 1;
}
