import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/errors.js';

const good = `
clusters:
  prod-cluster:
    prometheus:
      url: http://127.0.0.1:9090
      auth: { bearerTokenEnv: PROM_TOKEN }
    selector: { job: etcd }
    slack: { channels: ["#etcd-oncall", C012345] }
`;

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'etcd-triage.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config file', () => {
  it('loads a valid file and fills defaults', () => {
    const c = parseConfigText(good, 'f.yaml', { PROM_TOKEN: 'x' });
    const cluster = c.clusters['prod-cluster']!;
    expect(cluster.memberLabel).toBe('instance');
    expect(cluster.prometheus.timeoutMs).toBe(5000);
    expect(c.defaults.window).toBe('15m');
    expect(c.jobs.dedupeSeconds).toBe(30);
    expect(c.jobs.stalledSeconds).toBe(30);
  });

  it('refuses a stalled-job lock too short to be renewed while a diagnosis runs', () => {
    expect(problems(`${good}\njobs: { stalledSeconds: 2 }\n`).filter((p) => !p.includes('PROM_TOKEN'))).toEqual([
      'jobs.stalledSeconds: Too small: expected number to be >=5',
    ]);
  });

  it('names the environment variable a secret should come from when it is missing', () => {
    expect(problems(good)).toEqual(['clusters.prod-cluster.prometheus.auth.bearerTokenEnv: environment variable PROM_TOKEN is not set']);
  });

  it('lists every problem with its path at once', () => {
    const bad = `
server: { port: 70000 }
clusters:
  Prod:
    prometheus: { url: http://x }
    selector: { job: etcd }
  prod:
    prometheus: { url: "ftp://x" }
    selector: {}
    colour: blue
`;
    const p = problems(bad);
    expect(p).toContain('server.port: Too big: expected number to be <=65535');
    expect(p).toContain('clusters.Prod: name "Prod" is invalid: cluster names are lower-case letters, digits, - _ .');
    expect(p.some((l) => l.includes('prometheus.url'))).toBe(true);
    expect(p.some((l) => l.includes('selector') && l.includes('at least one label'))).toBe(true);
    expect(p.some((l) => l.includes('unknown field(s) "colour"'))).toBe(true);
  });

  it('reports YAML syntax errors as such', () => {
    expect(problems('clusters: [unclosed')[0]).toMatch(/^YAML: /);
  });

  it('rejects a default window outside 1m–24h', () => {
    const p = problems(`${good}\ndefaults: { window: 2d }\n`, { PROM_TOKEN: 'x' });
    expect(p).toEqual(['defaults.window: must be between 1m and 24h']);
  });

  it('refuses a duration the program could not read rather than falling back to a default', () => {
    const p = problems(`${good}\nhandoff: { defaultSince: 1000000m }\n`, { PROM_TOKEN: 'x' });
    expect(p).toEqual(['handoff.defaultSince: must be a duration such as 30s, 15m, 12h or 1d']);
  });
});
