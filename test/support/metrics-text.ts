/**
 * One sample's value from a Prometheus text exposition (GET /metrics), or undefined when the sample is
 * absent: `metricValue(text, 'etcd_triage_webhook_rejected_total{reason="too_large"}')`. Tests compare
 * the number itself, so that a counter still at 0, or 30 where 3 was meant, cannot pass a pattern.
 */
export function metricValue(text: string, sample: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    if (at > 0 && line.slice(0, at) === sample) return Number(line.slice(at + 1));
  }
  return undefined;
}
