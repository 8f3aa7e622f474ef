import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { findObject, renderChart, type RenderedObject } from '../../support/helm.js';
import { tempDir } from '../../support/processes.js';
import { ciValues } from './chart-fixtures.js';

/**
 * The PrometheusRule's alerts about the bot itself: valid for the real promtool, written against the bot's
 * real metric names, and selecting the series the ServiceMonitor produces (job = the Service's name,
 * namespace = the release's), checked by evaluating each expression in `promtool test rules`.
 */

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const objs = renderChart(ciValues('http-external-redis'));
const rule = findObject(objs, 'PrometheusRule') as RenderedObject & { spec: { groups: Array<{ name: string; rules: Rule[] }> } };
const rules = rule.spec.groups.flatMap((g) => g.rules);
const byName = (name: string): Rule => {
  const r = rules.find((x) => x.alert === name);
  if (r === undefined) throw new Error(`no alert ${name}; have ${rules.map((x) => x.alert).join(', ')}`);
  return r;
};

function promtool(args: string[], cwd: string): { code: number; out: string } {
  const res = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (res.error) throw res.error;
  return { code: res.status ?? 1, out: `${res.stdout}${res.stderr}` };
}

function writeRulesFile(dir: string): string {
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups: rule.spec.groups }));
  return file;
}

describe('PrometheusRule', () => {
  it('passes promtool check rules', () => {
    const dir = tempDir('helm-rules');
    writeRulesFile(dir);
    const res = promtool(['check', 'rules', 'rules.yaml'], dir);
    expect(res.out).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(res.code).toBe(0);
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'EtcdTriageDown',
      'EtcdTriageJobsFailing',
      'EtcdTriageNotReady',
      'EtcdTriageRedisUnavailable',
      'EtcdTriageSlackApiErrors',
      'EtcdTriageSlowVerdict',
      'EtcdTriageWebhookRejected',
    ]);
    for (const r of rules) expect(['critical', 'warning']).toContain(r.labels['severity']);
  });

  it("names only metrics the bot exports (besides Prometheus' up and kube-state-metrics)", async () => {
    const exported = new Set((await new Metrics(false).registry.getMetricsAsJSON()).map((m) => m.name));
    const used = new Set(rules.flatMap((r) => [...r.expr.matchAll(/\b(etcd_triage_[a-z_]+)/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThanOrEqual(4);
    for (const name of used) expect(exported, name).toContain(name.replace(/_(bucket|count|sum)$/, ''));
  });

  it('each alert fires on the series the ServiceMonitor scrapes, and not on other series', () => {
    const own = 'job="etcd-triage",namespace="monitoring"';
    const other = 'job="etcd-triage",namespace="elsewhere"';
    // Every expression as a 1 per firing series, so the test compares label sets and not extrapolated rates.
    const fires = (alert: string, labelSets: Array<Record<string, string>>, inputSeries: Array<{ series: string; values: string }>) => ({
      interval: '1m',
      input_series: inputSeries,
      promql_expr_test: [{ expr: `(${byName(alert).expr}) * 0 + 1`, eval_time: '30m', exp_samples: labelSets.map((labels) => ({ labels: labelString(labels), value: 1 })) }],
    });
    const tests = [
      fires('EtcdTriageDown', [{}], [{ series: `up{${own},pod="a"}`, values: '0x40' }]),
      fires('EtcdTriageDown', [{ job: 'etcd-triage', namespace: 'monitoring' }], [{ series: `up{${other}}`, values: '1x40' }]),
      fires('EtcdTriageDown', [], [{ series: `up{${own},pod="a"}`, values: '1x40' }, { series: `up{${own},pod="b"}`, values: '0x40' }]),
      fires('EtcdTriageNotReady', [{}], [
        { series: 'kube_pod_status_ready{namespace="monitoring",pod="etcd-triage-5d8f7-x2x9z",condition="true"}', values: '0x40' },
        { series: 'kube_pod_status_ready{namespace="monitoring",pod="other-app-1",condition="true"}', values: '1x40' },
      ]),
      fires('EtcdTriageRedisUnavailable', [{}], [{ series: `etcd_triage_webhook_rejected_total{${own},reason="redis_unavailable"}`, values: '0+2x40' }]),
      fires('EtcdTriageRedisUnavailable', [], [
        { series: `etcd_triage_webhook_rejected_total{${own},reason="redis_unavailable"}`, values: '5x40' },
        { series: `etcd_triage_webhook_rejected_total{${other},reason="redis_unavailable"}`, values: '0+2x40' },
      ]),
      fires('EtcdTriageWebhookRejected', [{ reason: 'unauthorized' }], [
        { series: `etcd_triage_webhook_rejected_total{${own},reason="unauthorized"}`, values: '0+1x40' },
        { series: `etcd_triage_webhook_rejected_total{${own},reason="redis_unavailable"}`, values: '0+1x40' },
      ]),
      fires('EtcdTriageJobsFailing', [{ queue: 'diagnose' }], [
        { series: `etcd_triage_jobs_total{${own},queue="diagnose",outcome="failed"}`, values: '0+1x40' },
        { series: `etcd_triage_jobs_total{${own},queue="delivery",outcome="completed"}`, values: '0+9x40' },
        { series: `etcd_triage_jobs_total{${other},queue="handoff",outcome="failed"}`, values: '0+1x40' },
      ]),
      fires('EtcdTriageSlackApiErrors', [{ method: 'chat.postMessage', error: 'channel_not_found' }], [
        { series: `etcd_triage_slack_api_errors_total{${own},method="chat.postMessage",error="channel_not_found"}`, values: '0+1x40' },
        { series: `etcd_triage_slack_api_errors_total{${own},method="chat.postMessage",error="ratelimited"}`, values: '0+10x40' },
        { series: `etcd_triage_slack_api_errors_total{${own},method="chat.update",error="rate_limited"}`, values: '0+10x40' },
        // 3 in 15 minutes: under the threshold of 5.
        { series: `etcd_triage_slack_api_errors_total{${own},method="chat.update",error="not_in_channel"}`, values: '0+0.2x40' },
      ]),
      fires('EtcdTriageSlowVerdict', [{}], [
        { series: `etcd_triage_alert_to_verdict_seconds_bucket{${own},le="10"}`, values: '0x40' },
        { series: `etcd_triage_alert_to_verdict_seconds_bucket{${own},le="60"}`, values: '0+10x40' },
        { series: `etcd_triage_alert_to_verdict_seconds_bucket{${own},le="+Inf"}`, values: '0+10x40' },
      ]),
      fires('EtcdTriageSlowVerdict', [], [
        { series: `etcd_triage_alert_to_verdict_seconds_bucket{${own},le="1.5"}`, values: '0+10x40' },
        { series: `etcd_triage_alert_to_verdict_seconds_bucket{${own},le="+Inf"}`, values: '0+10x40' },
      ]),
    ];
    const dir = tempDir('helm-rules-test');
    writeRulesFile(dir);
    writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
    const res = promtool(['test', 'rules', 'tests.yaml'], dir);
    expect(res.out).toContain('SUCCESS');
    expect(res.code).toBe(0);
  });
});

function labelString(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}
