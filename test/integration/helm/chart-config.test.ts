import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../../src/config/schema.js';
import { renderChart, type RenderedObject } from '../../support/helm.js';
import { tempDir } from '../../support/processes.js';
import { ciValues, deployment, renderedConfigText, VALUES_SETS, withValues, type Values, type ValuesSet } from './chart-fixtures.js';
import { schemaProblems } from './validate-objects.js';

/**
 * The config file the chart mounts must pass the real `etcd-triage check-config` (what the init container
 * runs), given the environment the chart gives the container, each variable set to a stand-in value
 * (Kubernetes fills them from the Secrets). A config the bot refuses must be refused with the field's path,
 * which is what `kubectl logs <pod> -c check-config` shows.
 */

const ROOT = resolve(import.meta.dirname, '../../..');

function checkConfig(objs: RenderedObject[], deploymentName: string): { code: number; out: string } {
  const file = join(tempDir('helm-config'), 'config.yaml');
  writeFileSync(file, renderedConfigText(objs));
  const init = deployment(objs, deploymentName).init;
  // Exactly the variables the init container gets: a config naming one the chart does not provide fails here.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], TMPDIR: process.env['TMPDIR'], HOME: process.env['HOME'] };
  for (const e of init.env) env[e.name] = e.value ?? (e.name === 'REDIS_URL' ? 'redis://127.0.0.1:6379' : `stand-in-${e.name.toLowerCase()}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...init.args.map((a) => (a === '/etc/etcd-triage/config.yaml' ? file : a))], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  return { code: res.status ?? 1, out: `${res.stdout}${res.stderr}` };
}

/** The first ```yaml block under a heading of a Markdown file, dedented: the docs' values file. */
function docValuesBlock(file: string, heading: string): string {
  const text = readFileSync(file, 'utf8');
  const at = text.split('\n').findIndex((l) => l.trim() === heading);
  if (at < 0) throw new Error(`${file} has no heading ${heading}`);
  const lines = text.split('\n').slice(at + 1);
  const open = lines.findIndex((l) => l.trim() === '```yaml');
  if (open < 0) throw new Error(`${file}: no yaml block under ${heading}`);
  const indent = lines[open]!.indexOf('```');
  const close = lines.findIndex((l, i) => i > open && l.trim() === '```');
  return lines.slice(open + 1, close).map((l) => l.slice(indent)).join('\n');
}

const mainDeployment = (set: ValuesSet): string => (set === 'split-kube-logs' ? 'etcd-triage-front' : 'etcd-triage');

// Socket Mode is rendered as `slack: {mode: socket}`; it can pass check-config once the config file knows it.
const configKnowsSlackMode = 'slack' in configSchema.shape;

describe('the rendered config passes the real check-config', () => {
  it.each(VALUES_SETS.filter((s) => s !== 'socket-bundled-redis'))('%s', (set) => {
    const res = checkConfig(renderChart(ciValues(set)), mainDeployment(set));
    expect(res.out).toContain('config.yaml: OK');
    expect(res.out).toMatch(/cluster control-plane: prometheus http:\/\/kube-prometheus-stack-prometheus\.monitoring\.svc:9090, members \{job="kube-etcd"\}/);
    expect(res.code).toBe(0);
  });

  it.skipIf(!configKnowsSlackMode)('socket-bundled-redis (Socket Mode in the config file)', () => {
    const res = checkConfig(renderChart(ciValues('socket-bundled-redis')), 'etcd-triage');
    expect(res.out).toContain('config.yaml: OK');
    expect(res.code).toBe(0);
  });

  it.each([
    ['README.md', '## Install on Kubernetes'],
    ['deploy/helm/etcd-triage/README.md', '## Install'],
  ])('the values file shown in %s (%s)', (doc, heading) => {
    const values = parse(docValuesBlock(join(ROOT, doc), heading)) as Values;
    const objs = renderChart(values);
    expect(schemaProblems(objs)).toEqual([]);
    const res = checkConfig(objs, 'etcd-triage');
    expect(res.out).toContain('config.yaml: OK');
    expect(res.code).toBe(0);
  });
});

describe('a config the bot refuses stops at the init container, naming the field', () => {
  it('a Prometheus URL that is not http(s)', () => {
    const objs = renderChart(withValues(ciValues('http-external-redis'), {
      config: { clusters: { 'control-plane': { prometheus: { url: 'prometheus:9090', auth: { bearerTokenEnv: 'PROM_TOKEN' } } } } },
    }));
    const res = checkConfig(objs, 'etcd-triage');
    expect(res.code).toBe(2);
    expect(res.out).toContain('clusters.control-plane.prometheus.url');
  });

  it('a misspelt field in the config', () => {
    const objs = renderChart(withValues(ciValues('split-kube-logs'), { config: { jobs: { concurency: 4 } } }));
    const res = checkConfig(objs, 'etcd-triage-workers');
    expect(res.code).toBe(2);
    expect(res.out).toMatch(/jobs.*concurency/);
  });
});
