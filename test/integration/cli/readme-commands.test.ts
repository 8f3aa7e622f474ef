import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { tempDir } from '../../support/processes.js';

/**
 * The command lines the README documents, run as written from the checkout: `npx etcd-triage …` (the
 * package's bin, a launcher that runs the sources through tsx when there is no build) and
 * `npm run etcd-triage -- …`. Only lines that need no Redis or Slack; the bundle for `replay` comes from
 * `why-slow --save-evidence` against a recorded incident.
 */
const run = promisify(execFile);
const root = process.cwd();
const README = readFileSync(join(root, 'README.md'), 'utf8');
const EXAMPLE = 'deploy/etcd-triage.example.yaml';

interface Result { code: number; stdout: string; stderr: string }
async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = root): Promise<Result> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
/** `npx etcd-triage …` as the README writes it. */
const etcdTriage = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> => sh('npx', ['etcd-triage', ...args], env);
/** The same command without npm's start-up around it (the file npx runs), for the long lists of cases. */
const etcdTriageBin = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> => sh(process.execPath, [join(root, 'src/cli/launcher.js'), ...args], env);
/** stderr without npm's own notices. */
const errText = (r: Result): string => r.stderr.replace(/^npm (warn|notice).*\n/gm, '');

/** Every environment variable the example config names (`…Env: NAME`), set to a dummy value. */
function exampleEnv(): NodeJS.ProcessEnv {
  const names = [...readFileSync(join(root, EXAMPLE), 'utf8').matchAll(/\b\w+Env:\s*([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
  expect(names.length).toBeGreaterThan(0);
  return Object.fromEntries(names.map((n) => [n, 'dummy']));
}

/** The "Commands" block of the README: one documented command line per subcommand. */
function documentedCommands(): Map<string, string> {
  const block = /## Commands\n+```\n([\s\S]*?)```/.exec(README)?.[1];
  if (block === undefined) throw new Error('README has no Commands block');
  const lines = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split('\n')) {
    const m = /^etcd-triage (\S+)(.*)$/.exec(line);
    if (m) lines.set((last = m[1]!), m[2]!);
    else if (last !== undefined && line.trim() !== '') lines.set(last, `${lines.get(last)!} ${line.trim()}`);
  }
  return lines;
}

describe('README command lines, run as written', () => {
  it('every documented command exists, and accepts every option its README line shows', async () => {
    const commands = documentedCommands();
    expect([...commands.keys()].sort()).toEqual(['check-config', 'handoff', 'replay', 'serve', 'start', 'status', 'why-slow', 'worker']);
    const top = await etcdTriage(['--help']);
    expect(top.code).toBe(0);
    for (const [name, line] of commands) {
      expect(top.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
      const help = await etcdTriageBin([name, '--help']);
      expect(help.code, `${name} --help`).toBe(0);
      // Only the options of the line itself: the description column may quote other commands' options.
      const options = [...line.replace(/\s{2,}[a-z][^[]*$/, '').matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
      for (const o of options) expect(help.stdout, `${name} ${o}`).toContain(o);
    }
  });

  it('check-config passes on the shipped example config with its environment variables set', async () => {
    const r = await etcdTriage(['check-config', '--config', EXAMPLE], exampleEnv());
    expect(errText(r)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${EXAMPLE}: OK`);
    expect(r.stdout).toMatch(/cluster prod-cluster: prometheus https:\/\//);
  });

  it('check-config names the variable of the Prometheus token in the example when it is not set, and exits 2', async () => {
    // The Prometheus token: every command that queries needs it (the webhook token only serve does).
    const r = await etcdTriage(['check-config', '--config', EXAMPLE], { ...exampleEnv(), PROM_PROD_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(errText(r)).toContain('clusters.prod-cluster.prometheus.auth.bearerTokenEnv: environment variable PROM_PROD_TOKEN is not set');
  });

  it('bad input through npx exits 2 as well', async () => {
    const r = await etcdTriage(['why-slow', 'lab', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(errText(r)).toMatch(/argument 'xml' is invalid/);
  });

  it('npm run etcd-triage -- … runs from source as the README says', async () => {
    const r = await sh('npm', ['run', '--silent', 'etcd-triage', '--', 'check-config', '--config', EXAMPLE], exampleEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${EXAMPLE}: OK`);
  });

  it.each([
    [['why-slow', 'lab', '--format', 'xml'], /argument 'xml' is invalid\. Allowed choices are text, markdown, json/],
    [['why-slow'], /missing required argument 'cluster'/],
    [['why-slow', 'lab', '--colour', 'blue'], /unknown option '--colour'/],
    [['replay'], /missing required argument 'file'/],
    [['handoff', 'all', '--format', 'yaml'], /argument 'yaml' is invalid/],
    [['explain', 'lab'], /unknown command 'explain'/],
    [['why-slow', 'nope', '--config', EXAMPLE], /unknown cluster|nope/],
    [['why-slow', 'prod-cluster', '--config', EXAMPLE, '--window', '3d'], /window/],
    [['check-config', '--config', 'no-such-file.yaml'], /no-such-file\.yaml[\s\S]*cannot read the file: ENOENT/],
  ])('bad input %j exits 2 with the reason on stderr', async (args, reason) => {
    const r = await etcdTriageBin(args, exampleEnv());
    expect(r.code).toBe(2);
    expect(errText(r)).toMatch(reason);
    expect(r.stdout).toBe('');
  });
});

describe('README: why-slow --save-evidence FILE, then replay FILE', () => {
  let prom: LoadedScenario;
  let dir: string;
  beforeAll(async () => {
    prom = await loadScenario('disk-slow-follower');
    dir = tempDir('readme-replay');
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('replays a saved bundle offline to the same diagnosis', async () => {
    const config = join(dir, 'etcd-triage.yaml');
    writeFileSync(config, `clusters:\n  lab:\n    prometheus: { url: "${prom.url}" }\n    selector: { job: etcd }\n`);
    const bundle = join(dir, 'evidence.json');
    const end = new Date(Math.floor(prom.times.faultEnd) * 1000).toISOString();
    const saved = await etcdTriage(['why-slow', 'lab', '--config', config, '--window', '3m', '--end', end, '--save-evidence', bundle]);
    expect(saved.code).toBe(0);
    const replayed = await etcdTriage(['replay', bundle]);
    expect(errText(replayed)).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout.split('\n')[0]).toMatch(new RegExp(`Slow disk on ${prom.meta.fault.member}`));
    expect(replayed.stdout).toBe(saved.stdout);
  });
});

describe('the etcd-triage launcher (package.json bin)', () => {
  /** A package folder holding only the launcher and the given files: no node_modules, so no tsx. */
  function pkg(files: Record<string, string>): string {
    const d = tempDir('launcher');
    mkdirSync(join(d, 'src/cli'), { recursive: true });
    copyFileSync(join(root, 'src/cli/launcher.js'), join(d, 'src/cli/launcher.js'));
    writeFileSync(join(d, 'package.json'), '{"type":"module"}');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(d, path, '..'), { recursive: true });
      writeFileSync(join(d, path), text);
    }
    return d;
  }

  it('runs the build where tsx is not installed (the image), with the arguments and exit code', async () => {
    const d = pkg({
      'src/cli/main.ts': 'throw new Error("the sources must not run without tsx")',
      'dist/cli/main.js': 'process.stdout.write(`built ${process.argv.slice(2).join(" ")}\\n`); process.exitCode = 2;',
    });
    const r = await sh(process.execPath, [join(d, 'src/cli/launcher.js'), 'why-slow', 'lab'], {}, d);
    expect(r.stdout).toBe('built why-slow lab\n');
    expect(r.code).toBe(2);
  });

  it('says what to do when there is neither a build nor tsx', async () => {
    const d = pkg({});
    const r = await sh(process.execPath, [join(d, 'src/cli/launcher.js'), '--help'], {}, d);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/npm run build.*npm install/);
  });
});
