/**
 * The watch on the live lab: onset → warning posted for every fault kind, and nothing on a healthy lab.
 * A fresh lab (deploy/lab) with light traffic; the bot in this process (`start`) against the lab's
 * Prometheus, with the Slack stand-in, the watch on at its defaults (30 s interval, default hysteresis).
 * First the healthy lab is watched for HEALTHY_S seconds: every warning posted is a false one. Then each
 * fault is injected in turn (bounded), on a follower where it has a member; the fault is stopped once its
 * warning is posted, and the next waits until the parent has been edited to "recovered".
 *
 *   LAB_PORT_BASE=38000 LAB_DIR=$PWD/.lab npx tsx test/bench/watch-live.ts [healthySeconds] [kinds...]
 *
 * Onset is when the injector started; posted is the stand-in's chat.postMessage of the watch's parent.
 * Takes about 25 minutes; uses the lab's fixed ports (LAB_PORT_BASE), so never two at once.
 */
import './own-tmpdir.js';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '../../deploy/lab/lib/stack.js';
import { ensureSeeded, resolveFault, startFault, startLoad } from '../../deploy/lab/lib/control.js';
import { labLayout } from '../../deploy/lab/lib/layout.js';
import { stopDaemon } from '../../deploy/lab/lib/procs.js';
import type { FaultKind, FaultParams } from '../../deploy/lab/lib/faults.js';
import { EXPECTED_CAUSE } from '../e2e/diagnose-live.js';
import { waitFor } from '../support/processes.js';
import type { StoredMessage } from '../support/slack-standin.js';
import { startWatchingBot, WATCH_CHANNEL, type WatchingBot } from '../support/watch-lab.js';
import { reportBench } from './bench-result.js';

type Kind = Exclude<FaultKind, 'none'>;
const args = process.argv.slice(2);
const HEALTHY_S = Number(args[0] ?? 300);
const KINDS = (args.length > 1 ? args.slice(1) : ['disk', 'network', 'cpu', 'expensive', 'capacity']) as Kind[];
const BUDGET_S = 60;
/** How long each fault may run at most: it is stopped as soon as its warning is posted. */
const FAULT_MAX_S = 180;
/** Waiting for the recovery edit before the next fault (recoverAfter 4 × 30 s, after the windows clear). */
const RECOVERY_MAX_S = 300;
/** Fault settings as the live tests use them (cpu: nice 15, see test/e2e/lab-faults.e2e.ts). */
const PARAMS: Partial<Record<Kind, Partial<FaultParams>>> = { cpu: { cpuNice: 15 } };

interface Row {
  kind: Kind;
  member: string | undefined;
  role: string | undefined;
  postedAfterS: number | undefined;
  cause: string | undefined;
  causeRight: boolean;
  namedMembers: string[];
  memberRight: boolean;
  noAlertYet: boolean;
  recoveredAfterS: number | undefined;
  headline: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => void process.stderr.write(`[watch-live ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// Unless told otherwise, the lab's state lives in this run's own temporary folder, removed at exit.
process.env['LAB_DIR'] ??= join(tmpdir(), 'lab');
const l = labLayout();
const rows: Row[] = [];
let healthyWarnings = -1;
let healthyEvaluations = 0;
let loadAvg = '';
let bot: WatchingBot | undefined;
try {
  await up(l, { mode: 'zap', fresh: true, extraEtcdFlags: ['--max-request-bytes=2097152'] });
  // The expensive reads' data set is written first, and given a minute to leave the detector's windows.
  if (KINDS.includes('expensive')) await ensureSeeded(l);
  startLoad(l, 7200);
  await sleep(60_000);
  bot = await startWatchingBot(l);
  const w = bot;

  log(`healthy lab watched for ${HEALTHY_S} s`);
  const loads: number[] = [];
  for (let t = 0; t < HEALTHY_S; t += 30) {
    await sleep(Math.min(30, HEALTHY_S - t) * 1000);
    loads.push(loadavg()[0]!);
  }
  healthyWarnings = w.parents().length;
  healthyEvaluations = (await w.store.evaluations('lab')).length;
  log(`healthy: ${healthyWarnings} warning(s) over ${healthyEvaluations} evaluations`);

  for (const kind of KINDS) {
    const f = await resolveFault(l, kind, { ...PARAMS[kind], durationS: FAULT_MAX_S }, 'follower');
    const before = w.parents().length;
    const onset = Date.now();
    startFault(l, f);
    log(`${kind} on ${f.params.member ?? 'the cluster'} (${f.role ?? 'cluster-wide'})`);
    let parent: StoredMessage | undefined;
    try {
      await waitFor(`the ${kind} warning`, () => w.parents().length > before, FAULT_MAX_S * 1000, 250);
      parent = w.parents()[before]!;
    } catch {
      log(`${kind}: no warning within ${FAULT_MAX_S} s`);
    }
    loads.push(loadavg()[0]!);
    await stopDaemon(l.runDir, 'fault');
    const stoppedAt = Date.now();
    if (parent === undefined) {
      rows.push({ kind, member: f.params.member, role: f.role, postedAfterS: undefined, cause: undefined, causeRight: false, namedMembers: [], memberRight: false, noAlertYet: false, recoveredAfterS: undefined, headline: '' });
      continue;
    }
    const p = parent;
    const postedAt = w.postedAt(p);
    const diagnosis = await w.diagnosis(p);
    const top = diagnosis.causes[0];
    const want = EXPECTED_CAUSE[kind];
    const namesMember = f.params.member !== undefined;
    const text = w.slack.message(WATCH_CHANNEL, p.ts)!.history[0]!;
    const row: Row = {
      kind,
      member: f.params.member,
      role: f.role,
      postedAfterS: (postedAt - onset) / 1000,
      cause: top === undefined ? undefined : `${top.playbook}/${top.cause}`,
      causeRight: top !== undefined && top.playbook === want.playbook && want.causes.includes(top.cause),
      namedMembers: top?.members ?? [],
      // A member's fault: named first in the top cause and in the parent. A cluster-wide one: nothing to name.
      memberRight: namesMember ? top?.members[0] === f.params.member && text.includes(`on ${f.params.member}`) : true,
      noAlertYet: text.includes('no alert has fired yet'),
      recoveredAfterS: undefined,
      headline: text.split('\n')[0]!,
    };
    log(`${kind}: posted after ${row.postedAfterS!.toFixed(0)} s: ${row.headline}`);
    try {
      await waitFor(`the ${kind} recovery edit`, () => /recovered/i.test(w.slack.message(WATCH_CHANNEL, p.ts)?.text ?? ''), RECOVERY_MAX_S * 1000, 500);
      row.recoveredAfterS = (Date.now() - stoppedAt) / 1000;
    } catch {
      log(`${kind}: parent not edited to recovered within ${RECOVERY_MAX_S} s of the fault's end`);
    }
    rows.push(row);
  }
  loadAvg = `load average (1 min) ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on 2 cores`;
} finally {
  await bot?.stop();
  await down(l);
}

const s = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(0)} s`);
console.log(`healthy lab, light traffic (20 puts/s, 10 reads/s), watched ${HEALTHY_S} s: ${healthyWarnings} warning(s) over ${healthyEvaluations} evaluations; ${loadAvg}`);
console.log('| fault | member | onset → posted | cause (top of the diagnosis) | right cause | member named | "no alert has fired yet" | recovery edit after the fault ended |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.kind} | ${r.member === undefined ? 'cluster-wide' : `${r.member} (${r.role})`} | ${s(r.postedAfterS)} | ${r.cause ?? 'no warning'} | ${r.causeRight ? 'yes' : 'NO'} | ${r.member === undefined ? '—' : r.memberRight ? 'yes' : `NO (${r.namedMembers.join(', ')})`} | ${r.noAlertYet ? 'yes' : 'no'} | ${s(r.recoveredAfterS)} |`);
}
for (const r of rows) console.log(`  ${r.kind}: ${r.headline}`);
reportBench({
  bench: 'watch-live',
  what: `watch on the live lab: onset → warning posted (${KINDS.join(', ')}), healthy ${HEALTHY_S} s`,
  budget: `≤ ${BUDGET_S} s each, right cause and member; 0 warnings healthy`,
  measured: `${rows.map((r) => `${r.kind} ${s(r.postedAfterS)}${r.causeRight && r.memberRight ? '' : ' (wrong cause/member)'}`).join(', ')}; healthy ${healthyWarnings} warning(s); ${loadAvg}`,
  pass: healthyWarnings === 0 && rows.length === KINDS.length && rows.every((r) => r.postedAfterS !== undefined && r.postedAfterS <= BUDGET_S && r.causeRight && r.memberRight),
});
