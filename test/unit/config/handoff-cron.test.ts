import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/errors.js';

/** A config whose only schedule uses `cron`; returns the problems an operator would see. */
function problemsFor(cron: string): string[] {
  const text = `
clusters:
  lab: { prometheus: { url: "http://127.0.0.1:9090" }, selector: { job: etcd } }
handoff:
  schedules:
    - { channel: C1, cron: ${JSON.stringify(cron)}, tz: Europe/Berlin, clusters: all }
`;
  try {
    parseConfigText(text, 'etcd-triage.yaml', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('handoff schedule cron expressions (checked with the parser BullMQ uses)', () => {
  it.each(['0 8,20 * * *', '*/2 * * * * *', '0 8 * * mon-fri', '30 7 L * *', '0 0 29 2 *'])('accepts %s', (cron) => {
    expect(problemsFor(cron)).toEqual([]);
  });

  it.each([
    ['0 25 * * *', /got value 25 expected range 0-23/],
    ['0 8 * * 8', /got value 8 expected range 0-7/],
    ['61 * * * * *', /got value 61 expected range 0-59/],
    ['0 8 31 4 *', /Invalid explicit day of month/],
    ['0 eight * * *', /Invalid characters/],
    ['*/0 * * * *', /cannot repeat at every 0 time/],
  ])('rejects %s with the parser reason and the field path', (cron, reason) => {
    const p = problemsFor(cron);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^handoff\.schedules\.0\.cron: ".*" is not a valid cron expression: /);
    expect(p[0]).toMatch(reason);
  });

  it('rejects a field count other than 5 or 6 with the count', () => {
    expect(problemsFor('0 8 * *')).toEqual([
      'handoff.schedules.0.cron: must be a cron expression with 5 fields (m h dom mon dow) or 6 (with seconds first), e.g. "0 8,20 * * *"; "0 8 * *" has 4',
    ]);
  });
});
