/**
 * Prints the measured signal table (baseline vs fault, per member; log message counts) of recorded
 * fixtures, by loading each into a real Prometheus with test/support/fixture-prometheus.ts:
 *   npx tsx deploy/lab/fixture-signals.ts [--write] [scenario ...]      (default: every fixture)
 * --write also stores the table as test/fixtures/<scenario>/signals.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, listScenarios, loadScenario } from '../../test/support/fixture-prometheus.js';
import { countLogs, measure, renderSignals } from './lib/signals.js';

const args = process.argv.slice(2);
const write = args.includes('--write');
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names.length > 0 ? names : listScenarios()) {
  const s = await loadScenario(name);
  try {
    const t = s.times;
    const rows = await measure({ prometheus: s.url, baselineStart: t.recordingStart, faultStart: t.faultStart, faultEnd: t.faultEnd });
    const logs = {
      baseline: countLogs(s.logFiles, t.recordingStart * 1000, t.faultStart * 1000),
      fault: countLogs(s.logFiles, t.faultStart * 1000, t.faultEnd * 1000),
    };
    const f = s.meta.fault;
    const title = `## ${name}\n\n${s.meta.description}\n\nfault: ${f.kind}${f.member ? ` on ${f.member} (${f.role})` : ''}, ${JSON.stringify(f.params)}; baseline ${Math.round(t.faultStart - t.recordingStart)} s, fault ${Math.round(t.faultEnd - t.faultStart)} s; leader at start ${s.meta.leader.atStart}, at fault start ${s.meta.leader.atFaultStart}, at end ${s.meta.leader.atEnd}; etcd ${s.meta.etcd.version} mode ${s.meta.etcd.mode}.\n\n`;
    const alerts = `\nAlertmanager notifications: ${s.alerts.map((a) => `${a.status} ${a.groupLabels.alertname ?? a.commonLabels.alertname ?? '?'} (${a.alerts.map((x) => x.labels.instance ?? x.labels.To ?? '').filter((x) => x).join(',')})`).join('; ') || 'none'}\n`;
    const text = title + renderSignals(rows, logs, s.meta.members.map((m) => m.name)) + '\n' + alerts;
    console.log(text);
    if (write) writeFileSync(join(fixturesDir, name, 'signals.md'), text);
  } finally {
    await s.stop();
  }
}
