/**
 * Background jobs of the lab, started detached by lab.ts with a pid file so `lab down` can stop them:
 *   worker.ts load  --duration S                 light steady client traffic
 *   worker.ts fault --params '<FaultParams JSON>'  one bounded fault; reverts on exit or SIGTERM
 */
import { labLayout, say } from './lib/layout.js';
import { lightTraffic, stopLoad } from './lib/load.js';
import { FaultRun, type FaultParams } from './lib/faults.js';

const [what, ...rest] = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : undefined; };
const l = labLayout();

if (what === 'load') {
  const duration = Number(arg('--duration') ?? '3600');
  const wps = Number(arg('--writes-per-sec') ?? '20');
  const rps = Number(arg('--reads-per-sec') ?? '10');
  process.on('SIGTERM', () => stopLoad());
  const stats = { ok: 0, failed: 0 } as { ok: number; failed: number; lastError?: string };
  const timer = setInterval(() => say(`light load: ${stats.ok} ok, ${stats.failed} failed${stats.lastError ? ` (last error: ${stats.lastError})` : ''}`), 10_000);
  await lightTraffic(l, Date.now() + duration * 1000, wps, rps, stats);
  clearInterval(timer);
  say(`light load done: ${stats.ok} ok, ${stats.failed} failed`);
} else if (what === 'fault') {
  const params = JSON.parse(arg('--params') ?? '{}') as FaultParams;
  const run = new FaultRun(l, params);
  process.on('SIGTERM', () => run.abort());
  process.on('SIGINT', () => run.abort());
  const timer = setInterval(() => { if (run.stats.ok + run.stats.failed > 0) say(`fault load: ${run.stats.ok} ok, ${run.stats.failed} failed${run.stats.lastError ? ` (last error: ${run.stats.lastError})` : ''}`); }, 10_000);
  try {
    await run.run();
    say(`fault ${params.kind} ended and reverted`);
  } finally {
    clearInterval(timer);
  }
} else {
  console.error('usage: worker.ts load|fault ...');
  process.exit(2);
}
