/**
 * The accuracy table of the README: every recorded incident (test/fixtures) diagnosed as
 * `why-slow lab --window 3m` would have answered it every 30 s after the fault started (the window never
 * reaching before the recording), judged against the expected causes and members
 * (test/support/expected-verdicts.ts).
 *
 *   npx tsx test/bench/accuracy.ts [scenario ...]        prints the Markdown table and one BENCH line
 */
import './own-tmpdir.js';
import { askTimes, diagnoseAfterOnset } from '../support/recorded-diagnosis.js';
import { expectedFor, judge, type Expected } from '../support/expected-verdicts.js';
import { listScenarios, loadScenario } from '../support/fixture-prometheus.js';
import { reportBench } from './bench-result.js';

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : listScenarios();

const describeExpected = (e: Expected, member: string | null): string =>
  e === 'healthy'
    ? 'healthy'
    : 'quiet' in e
      ? `no cause; ${e.information.map((i) => `(information) ${i}`).join(', ')}`
      : e.causes.map((c) => `${[c.cause].flat().join(' or ')} on ${c.members === 'any' ? 'any' : (c.members ?? [member ?? 'any']).join(', ')}`).join(' + ') +
        (e.alone ? ', and no other cause' : '') +
        (e.notYetDistinguishableUntil ? `; "not yet distinguishable" accepted before ${e.notYetDistinguishableUntil} s` : '');

interface Row { name: string; expected: string; at30: string; named: string; firstRight: string; firm: string; rightAtEnd: boolean; wrongAfter: string; rightFrom30: boolean }
const rows: Row[] = [];
for (const name of names) {
  const s = await loadScenario(name);
  try {
    const expected = expectedFor(name, s.meta);
    const checks: Array<{ at: number; right: boolean; named: string[]; why?: string; tentative?: true }> = [];
    for (const t of askTimes(s)) {
      const { diagnosis } = await diagnoseAfterOnset(s, t);
      checks.push({ at: t, ...judge(diagnosis, expected, s.meta, t) });
    }
    const last = checks.at(-1)!;
    const first30 = checks[0]!;
    const first = checks.find((c) => c.right);
    const firm = checks.find((c) => c.right && !c.tentative);
    // Right from the first minute means right from then on: a later wrong answer counts against it.
    const wrongLater = first ? checks.filter((c) => c.at > first.at && !c.right) : [];
    rows.push({
      name,
      expected: describeExpected(expected, s.meta.fault.member),
      named: last.named.length > 0 ? last.named.join(' + ') : 'healthy',
      at30: `${first30.right ? '' : '✗ '}${first30.named.length > 0 ? first30.named.join(' + ') : 'healthy'}${first30.tentative ? ' (not yet distinguishable, accepted)' : ''}`,
      firstRight: first ? `${first.at} s` : 'never',
      firm: firm ? `${firm.at} s` : 'never',
      rightAtEnd: last.right,
      wrongAfter: wrongLater.map((c) => `${c.at} s: ${c.why}`).join('; ') || '–',
      rightFrom30: checks.every((c) => c.right),
    });
    process.stderr.write(`${name}: ${checks.map((c) => `${c.at}s ${c.right ? (c.tentative ? 'not yet distinguishable' : 'right') : `wrong (${c.why})`}`).join(', ')}\n`);
  } finally {
    await s.stop();
  }
}

console.log('| incident | expected | named 30 s after onset | named at the end of the fault | first right, after onset | firm cause named from | wrong again later |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.expected} | ${r.at30} | ${r.rightAtEnd ? '' : '✗ '}${r.named} | ${r.firstRight} | ${r.firm} | ${r.wrongAfter} |`);
const right = rows.filter((r) => r.rightAtEnd).length;
reportBench({
  bench: 'accuracy',
  what: 'recorded incidents diagnosed right at the end of the fault',
  budget: `${rows.length} of ${rows.length}`,
  measured: `${right} of ${rows.length}`,
  pass: right === rows.length,
});
reportBench({
  bench: 'accuracy',
  what: 'recorded incidents right from 30 s after onset to the end of the fault ("not yet distinguishable" where accepted)',
  budget: '',
  measured: `${rows.filter((r) => r.rightFrom30).length} of ${rows.length}`,
  pass: null,
});
