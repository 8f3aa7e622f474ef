/**
 * The watch detection table of the README: every recorded incident (test/fixtures) evaluated as a watch
 * would have, every 15 s from 2 minutes before the fault to its end, judged against the causes and
 * members the full diagnosis must name (test/support/expected-onset.ts). "disk?" is a slow-fsync suspect
 * named before disk and CPU can be told apart (`tentative`).
 *
 *   npx tsx test/bench/watch-onset.ts [scenario ...]     prints the Markdown table and one BENCH line
 */
import './own-tmpdir.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { expectedOnset, RIGHT_WITHIN_SECONDS, rightWithin, type ExpectedOnset } from '../support/expected-onset.js';
import { listScenarios, loadScenario } from '../support/fixture-prometheus.js';
import { replayOnset } from '../support/onset-replay.js';
import { reportBench } from './bench-result.js';

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : listScenarios();
const playbooks = loadPlaybooks();

const describeExpected = (e: ExpectedOnset): string =>
  e === 'nothing' ? 'nothing' : e.suspects.map((s) => `${s.kind} on ${s.member ?? 'any'}`).join(' + ') + (e.alone ? ', alone' : '');

interface Row { name: string; expected: string; firstRight: string; settled: string; within: boolean; wrongBefore: string; at60: string; falseAlarms: string; wrongLater: string; queries: number }
const rows: Row[] = [];
for (const name of names) {
  const s = await loadScenario(name);
  try {
    const expected = expectedOnset(name, s.meta);
    const ticks = await replayOnset(s, playbooks);
    const before = ticks.filter((t) => t.offset < 0 || expected === 'nothing');
    const after = ticks.filter((t) => t.offset >= 0);
    const first = expected === 'nothing' ? undefined : after.find((t) => t.judgement.right);
    const at60 = after.find((t) => t.offset === 60);
    const limit = rightWithin(name);
    rows.push({
      name,
      expected: describeExpected(expected),
      firstRight: expected === 'nothing' ? '–' : first ? `${first.offset} s` : 'never',
      // Right with the kind settled: no suspect left that might still turn from disk to CPU.
      settled: expected === 'nothing' ? '–' : (() => {
        const t = after.find((x) => x.judgement.right && !x.evaluation.suspects.some((v) => v.tentative));
        return t ? `${t.offset} s` : 'never';
      })(),
      within: expected === 'nothing' || (first !== undefined && first.offset <= limit.seconds),
      wrongBefore: first ? after.filter((t) => t.offset < first.offset && t.evaluation.suspects.length > 0).map((t) => `${t.offset} s: ${t.judgement.named.join(' + ')}`).join('; ') || '–' : '–',
      at60: at60 ? at60.judgement.named.join(' + ') || 'nothing' : '–',
      falseAlarms: before.filter((t) => !t.judgement.right).map((t) => `${t.offset} s: ${t.judgement.named.join(' + ')}`).join('; ') || 'none',
      // Later answers that name another cause first, or lose it (`nothing`): what a watch would update.
      wrongLater: first ? after.filter((t) => t.offset > first.offset && !t.judgement.right).map((t) => `${t.offset} s: ${t.judgement.named.join(' + ') || 'nothing'}`).join('; ') || '–' : '–',
      queries: Math.max(...ticks.map((t) => t.evaluation.queries)),
    });
    process.stderr.write(`${name}: ${ticks.map((t) => `${t.offset}s ${t.judgement.right ? 'right' : `wrong (${t.judgement.why})`}`).join(', ')}\n`);
  } finally {
    await s.stop();
  }
}

console.log('| incident | expected | first right after onset | right and settled | named wrong before that | named 60 s after onset | suspects before onset (or ever, healthy) | wrong again later | queries per evaluation |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.expected} | ${r.within ? '' : '✗ '}${r.firstRight} | ${r.settled} | ${r.wrongBefore} | ${r.at60} | ${r.falseAlarms} | ${r.wrongLater} | ≤ ${r.queries} |`);
}
const quiet = rows.filter((r) => r.falseAlarms === 'none').length;
const faults = rows.filter((r) => r.firstRight !== '–');
const inMinute = faults.filter((r) => r.firstRight !== 'never' && Number.parseInt(r.firstRight, 10) <= RIGHT_WITHIN_SECONDS);
const late = faults.filter((r) => !inMinute.includes(r)).map((r) => `${r.name} ${r.firstRight}`);
reportBench({
  bench: 'watch-onset',
  what: 'recorded faults whose cause and member the watch named within 60 s of onset; recordings with no suspect before onset (or ever, healthy)',
  budget: `${faults.length} of ${faults.length}; ${rows.length} of ${rows.length}`,
  measured: `${inMinute.length} of ${faults.length}${late.length > 0 ? ` (${late.join(', ')})` : ''}; ${quiet} of ${rows.length}`,
  pass: inMinute.length === faults.length && quiet === rows.length,
});
