/**
 * Label values in PromQL are double-quoted strings with Go escaping. Values come from config only,
 * never from Slack, but escape them anyway so a quote in a config value cannot change a query.
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `{job="etcd",cluster="a"}` without the braces, for splicing into a selector with other matchers. */
export function matchers(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
}
