import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybooks, DEFAULT_PLAYBOOKS_DIR } from '../../../src/diagnosis/playbook/load.js';
import { ConfigError } from '../../../src/config/errors.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadPlaybooks(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('playbook files', () => {
  it('the shipped playbooks are valid', () => {
    const pbs = loadPlaybooks();
    expect(pbs.map((p) => p.id)).toContain('disk');
  });

  it('a broken file names the file and the field', () => {
    // All shipped playbooks (they refer to each other), with one field broken in disk.yaml.
    const files = Object.fromEntries(
      readdirSync(DEFAULT_PLAYBOOKS_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => [f, readFileSync(join(DEFAULT_PLAYBOOKS_DIR, f), 'utf8')]),
    );
    const broken = files['disk.yaml']!.replace('thresholds: { warning: 0.010, critical: 0.100 }', 'thresholds: { warning: ten }');
    expect(broken).not.toBe(files['disk.yaml']);
    const dir = dirWith({ ...files, 'disk.yaml': broken });
    const p = problemsOf(dir);
    expect(p).toHaveLength(1);
    expect(p[0]).toContain(join(dir, 'disk.yaml'));
    expect(p[0]).toContain('checks.0.thresholds.warning');
  });

  it('rejects an explanation by a cause that no playbook has', () => {
    const p = problemsOf(
      dirWith({
        'a.yaml': `
id: a
title: A
description: D
checks: [{ id: x, title: X, query: 'up{$selector}', unit: count, thresholds: { warning: 1 } }]
causes: [{ id: c, title: C, when: { any: [x] }, summary: S, explainedBy: [nope/never] }]
`,
      }),
    );
    expect(p).toEqual([expect.stringMatching(/a\.yaml: causes\.0\.explainedBy\.0: no cause "nope\/never" in any playbook$/)]);
  });

  it('rejects unknown placeholders, references to missing checks, and duplicate ids across files', () => {
    const pb = (id: string, query: string, when: string): string => `
id: ${id}
title: T
description: D
checks:
  - { id: a, title: A, query: '${query}', unit: seconds, thresholds: { warning: 1 } }
causes:
  - { id: c, title: C, when: { all: [${when}] }, summary: S }
`;
    const dir = dirWith({
      '1.yaml': pb('one', 'up{$selector}[$windw]', 'a'),
      '2.yaml': pb('two', 'up{$selector}', 'a'),
      '3.yaml': pb('two', 'up{$selector}', 'a'),
      '4.yaml': pb('four', 'up{$selector}', 'b'),
      '5.yaml': pb('five', 'sum($settled_increase(up{job="x"}))', 'a'),
    });
    const p = problemsOf(dir);
    expect(p.find((l) => l.includes('1.yaml'))).toMatch(/checks\.0\.query: unknown placeholder \$windw/);
    expect(p.find((l) => l.includes('4.yaml'))).toMatch(/causes\.0\.when\.all\.0: no check named b/);
    expect(p.find((l) => l.includes('3.yaml'))).toMatch(/id: "two" is already used by .*2\.yaml/);
    expect(p.find((l) => l.includes('5.yaml'))).toMatch(/checks\.0\.query: \$settled_increase\(up\{job="x"\}\): write \$settled_increase\(metric_name\), one bare metric name/);
  });

  it('a YAML syntax error names the file', () => {
    const p = problemsOf(dirWith({ 'x.yaml': 'id: [oops' }));
    expect(p[0]).toMatch(/x\.yaml: YAML: /);
  });
});
