/**
 * Webhook validation cost for a 50,000-alert notification, before and after the alert cap: the old path
 * (the whole body through the full zod schema) against parseNotification with the default cap of 1,000.
 * JSON.parse is timed apart: it runs before either, bounded by alertmanager.maxBodyBytes.
 *
 *   npx tsx test/bench/webhook-validation.ts
 *
 * Bodies: 50,000 empty alerts `{}` (150 KB, within the default 1 MiB cap; every alert invalid) and
 * 50,000 minimal valid alerts (about 11 MB: needs maxBodyBytes raised; every alert valid).
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_ALERTS } from '../../src/ingress/alertmanager/webhook-route.js';
import { parseNotification } from '../../src/ingress/alertmanager/parse-notification.js';
import { webhookSchema } from '../../src/ingress/alertmanager/webhook-schema.js';

const ALERTS = 50_000;
const RUNS = 15;

const envelope = (alerts: unknown[]): string =>
  JSON.stringify({ version: '4', groupKey: '{}:{alertname="etcdNoLeader"}', status: 'firing', receiver: 'etcd-triage', groupLabels: {}, commonLabels: {}, alerts });

const bodies: Record<string, string> = {
  'empty alerts': envelope(Array.from({ length: ALERTS }, () => ({}))),
  'valid alerts': envelope(
    Array.from({ length: ALERTS }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'etcdNoLeader', job: 'etcd', instance: `10.0.${i >> 8}.${i & 255}:2379` },
      annotations: { summary: 'etcd cluster has no leader' },
      startsAt: '2025-01-01T10:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus/graph',
      fingerprint: `f${i}`,
    })),
  ),
};

function median(f: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    f();
    if (i >= 2) times.push(performance.now() - t); // two warm-up runs
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const rows: string[] = [];
for (const [name, body] of Object.entries(bodies)) {
  const json: unknown = JSON.parse(body);
  const parse = median(() => JSON.parse(body));
  const before = median(() => webhookSchema.safeParse(json));
  const after = median(() => parseNotification(json, DEFAULT_MAX_ALERTS));
  const line = `${name} (${(body.length / 1024).toFixed(0)} KiB): JSON.parse ${parse.toFixed(1)} ms; full schema ${before.toFixed(1)} ms; capped at ${DEFAULT_MAX_ALERTS} ${after.toFixed(2)} ms (${(before / after).toFixed(0)}× less)`;
  console.log(line);
  rows.push(`${name}: ${before.toFixed(1)} → ${after.toFixed(2)} ms`);
}
// The line `npm run bench` tabulates (see bench-result.ts).
console.log(`BENCH ${JSON.stringify({ bench: 'webhook-validation', what: `validation of a ${ALERTS}-alert notification, full schema → capped`, budget: '', measured: rows.join('; '), pass: null })}`);
