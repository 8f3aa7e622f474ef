/**
 * The accuracy table of the README: every recorded incident (test/fixtures) diagnosed as
 * `why-slow lab --window 3m` would have answered it every 30 s after the fault started (the window never
 * reaching before the recording), judged against the expected causes and members
 * (test/support/expected-verdicts.ts).
 *
 *   npx tsx test/bench/accuracy.ts [scenario ...]        prints the Markdown table and one BENCH line
 */
import './own-tmpdir.js';
import { diagnoseRecorded } from '../support/recorded-diagnosis.js';
import { expectedFor, judge, type Expected } from '../support/expected-verdicts.js';
import { listScenarios, loadScenario } from '../support/fixture-prometheus.js';
import { reportBench } from './bench-result.js';

const WINDOW_SECONDS = 180;
const STEP_SECONDS = 30;

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : listScenarios();

const describeExpected = (e: Expected, member: string | null): string =>
  e === 'healthy'
    ? 'healthy'
    : 'quiet' in e
      ? `no cause; ${e.information.map((i) => `(information) ${i}`).join(', ')}`
      : e.causes.map((c) => `${[c.cause].flat().join(' or ')} on ${c.members === 'any' ? 'any' : (c.members ?? [member ?? 'any']).join(', ')}`).join(' + ') +
        (e.alone ? ', and no other cause' : '');

interface Row { name: string; expected: string; at30: string; named: string; firstRight: string; rightAtEnd: boolean; wrongAfter: string }
const rows: Row[] = [];
for (const name of names) {
  const s = await loadScenario(name);
  try {
    const expected = expectedFor(name, s.meta);
    const onset = s.times.faultStart;
    const checks: Array<{ at: number; right: boolean; named: string[]; why?: string }> = [];
    for (let t = STEP_SECONDS; onset + t <= s.times.faultEnd + 1; t += STEP_SECONDS) {
      const { diagnosis } = await diagnoseRecorded(s, { url: s.url }, {}, {
        endS: onset + t,
        windowSeconds: Math.min(WINDOW_SECONDS, Math.floor(onset + t - s.times.recordingStart)),
      });
      checks.push({ at: t, ...judge(diagnosis, expected, s.meta) });
    }
    const last = checks.at(-1)!;
    const first30 = checks[0]!;
    const first = checks.find((c) => c.right);
    // Right from the first minute means right from then on: a later wrong answer counts against it.
    const wrongLater = first ? checks.filter((c) => c.at > first.at && !c.right) : [];
    rows.push({
      name,
      expected: describeExpected(expected, s.meta.fault.member),
      named: last.named.length > 0 ? last.named.join(' + ') : 'healthy',
      at30: `${first30.right ? '' : '✗ '}${first30.named.length > 0 ? first30.named.join(' + ') : 'healthy'}`,
      firstRight: first ? `${first.at} s` : 'never',
      rightAtEnd: last.right,
      wrongAfter: wrongLater.map((c) => `${c.at} s: ${c.why}`).join('; ') || '–',
    });
    process.stderr.write(`${name}: ${checks.map((c) => `${c.at}s ${c.right ? 'right' : `wrong (${c.why})`}`).join(', ')}\n`);
  } finally {
    await s.stop();
  }
}

console.log('| incident | expected | named 30 s after onset | named at the end of the fault | first right, after onset | wrong again later |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.expected} | ${r.at30} | ${r.rightAtEnd ? '' : '✗ '}${r.named} | ${r.firstRight} | ${r.wrongAfter} |`);
const right = rows.filter((r) => r.rightAtEnd).length;
reportBench({
  bench: 'accuracy',
  what: 'recorded incidents diagnosed right at the end of the fault',
  budget: `${rows.length} of ${rows.length}`,
  measured: `${right} of ${rows.length}`,
  pass: right === rows.length,
});
