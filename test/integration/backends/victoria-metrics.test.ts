import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/diagnosis/run.js';
import { listScenarios, loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { loadScenarioIntoVictoriaMetrics, type LoadedVictoriaMetrics } from '../../support/victoria-metrics.js';
import { diagnoseRecorded } from '../../support/recorded-diagnosis.js';

/**
 * Every recorded incident, imported into a real VictoriaMetrics and diagnosed through its Prometheus API
 * (under its `/prometheus` path prefix), gives the verdict the same samples give through Prometheus.
 * The numbers themselves differ a little: VictoriaMetrics' rate() does not extrapolate to the window's
 * edges as Prometheus' does (README, "Prometheus-compatible backends").
 */

const running: Array<LoadedScenario | LoadedVictoriaMetrics> = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

const verdict = (r: RunResult) => ({
  healthy: r.diagnosis.healthy,
  // Numbers and the data device's too (`3.72% utilised`, `236 µs`, `queue 0.09`).
  headline: r.diagnosis.headline.replace(/[\d.]+ ?(ms|µs|s|%|KiB\/s|MiB\/s|B\/s|\/s)(?!\w)/g, 'N').replace(/queue [\d.]+/g, 'queue N'),
  causes: r.diagnosis.causes.map((c) => ({ playbook: c.playbook, cause: c.cause, members: c.members, severity: c.severity })),
  suggestions: r.diagnosis.suggestions.map((s) => s.id),
});

/** Each check's severity per member: what decides the verdict, without the exact numbers. */
const severities = (r: RunResult) =>
  r.diagnosis.findings.flatMap((f) =>
    f.checks.map((c) => ({ check: `${f.playbook}/${c.check}`, severity: c.severity, members: c.values.map((v) => `${v.member} ${v.severity}`) })),
  );

describe('VictoriaMetrics as the Prometheus backend', () => {
  it.each(listScenarios())('%s: the same verdict as against Prometheus', async (name) => {
    const prom = await loadScenario(name);
    running.push(prom);
    const vm = await loadScenarioIntoVictoriaMetrics(name);
    running.push(vm);
    expect(vm.samples).toBe(prom.meta.metricsSamples);

    const viaProm = await diagnoseRecorded(prom, { url: prom.url });
    const viaVm = await diagnoseRecorded(prom, { url: vm.url });
    expect(viaVm.evidence.prometheusUrl).toBe(`${vm.url}/`);
    expect(viaVm.evidence.queries.filter((q) => q.error)).toEqual([]);
    expect(viaVm.diagnosis.missing_evidence).toEqual(viaProm.diagnosis.missing_evidence);
    expect(verdict(viaVm)).toEqual(verdict(viaProm));
    expect(severities(viaVm)).toEqual(severities(viaProm));
  });
});
