import type { ClusterConfig, Config } from '../../config/schema.js';
import { PrometheusClient } from '../../sources/prometheus/client.js';
import { matchers } from '../../sources/prometheus/escape.js';

/**
 * `check-config --probe`: asks each cluster's Prometheus whether the configured selectors pick anything.
 * A selector that matches no etcd series gives a diagnosis of nothing ("no data" on every check); the
 * probe says so before an incident does, and names what the Prometheus does have, in the selector's own
 * labels, so the fix is a copy.
 */

/** Present on every etcd member since 3.0 (etcd's server/etcdserver/metrics.go), whatever the flags. */
const ETCD_METRIC = 'etcd_server_has_leader';
/** node_exporter's CPU counter: present wherever the cpu collector runs (the default). */
const NODE_METRIC = 'node_cpu_seconds_total';
const ETCD_NOT_SCRAPED =
  "kube-prometheus-stack: kubeEtcd.enabled, with kubeEtcd.service.port/targetPort 2381 and etcd's --listen-metrics-urls=http://0.0.0.0:2381 (kubeadm binds it to 127.0.0.1)";
const NODE_NOT_SCRAPED = 'kube-prometheus-stack: nodeExporter.enabled; its job is node-exporter';

export interface ProbeLine {
  cluster: string;
  ok: boolean;
  text: string;
}

export async function probeClusters(config: Config, env: NodeJS.ProcessEnv = process.env, at = Date.now() / 1000): Promise<ProbeLine[]> {
  const lines: ProbeLine[] = [];
  for (const [name, cluster] of Object.entries(config.clusters)) {
    const client = new PrometheusClient(cluster.prometheus, env);
    try {
      lines.push(...(await probeCluster(name, cluster, client, at)));
    } finally {
      await client.close();
    }
  }
  return lines;
}

async function probeCluster(name: string, cluster: ClusterConfig, client: PrometheusClient, at: number): Promise<ProbeLine[]> {
  const where = `in ${client.url}`;
  const out: ProbeLine[] = [];
  let members: Array<Record<string, string>>;
  try {
    members = (await client.instant(`${ETCD_METRIC}{${matchers(cluster.selector)}}`, at)).map((s) => s.labels);
  } catch (err) {
    return [{ cluster: name, ok: false, text: `cannot probe ${where}: ${err instanceof Error ? err.message : String(err)}` }];
  }
  if (members.length === 0) {
    out.push({ cluster: name, ok: false, text: `selector {${matchers(cluster.selector)}} matches no etcd series (${ETCD_METRIC}) ${where}; ${await whatIsThere(client, ETCD_METRIC, Object.keys(cluster.selector), at, ETCD_NOT_SCRAPED)}` });
  } else {
    const names = members.map((m) => m[cluster.memberLabel]);
    const unnamed = names.filter((n) => n === undefined).length;
    const shown = names.filter((n): n is string => n !== undefined).sort();
    out.push(
      unnamed > 0
        ? { cluster: name, ok: false, text: `${members.length} etcd member(s) ${where}, but ${unnamed} without the member label ${cluster.memberLabel}; their labels: ${Object.keys(members.find((m) => m[cluster.memberLabel] === undefined)!).filter((l) => l !== '__name__').sort().join(', ')}` }
        : { cluster: name, ok: true, text: `${members.length} etcd member(s) ${where} by ${cluster.memberLabel}: ${shown.join(', ')}` },
    );
  }
  if (cluster.nodeExporter) {
    const sel = matchers(cluster.nodeExporter.selector);
    try {
      const nodes = await client.instant(`count by (instance) (${NODE_METRIC}{${sel}})`, at);
      out.push(
        nodes.length > 0
          ? { cluster: name, ok: true, text: `node_exporter {${sel}}: ${nodes.length} node(s)` }
          : { cluster: name, ok: false, text: `nodeExporter selector {${sel}} matches no node_exporter series (${NODE_METRIC}); ${await whatIsThere(client, NODE_METRIC, Object.keys(cluster.nodeExporter.selector), at, NODE_NOT_SCRAPED)}` },
      );
    } catch (err) {
      out.push({ cluster: name, ok: false, text: `cannot probe node_exporter ${where}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return out;
}

/** The label sets of `metric` over the selector's label names, with series counts: what a selector could say. */
async function whatIsThere(client: PrometheusClient, metric: string, labels: string[], at: number, whenNone: string): Promise<string> {
  labels = [...labels].sort();
  const found = await client.instant(`count by (${labels.join(', ')}) (${metric})`, at).catch(() => undefined);
  if (found === undefined) return `could not list the ${metric} series there are`;
  if (found.length === 0) return `there is no ${metric} series at all: is it scraped? (${whenNone})`;
  const sets = found
    .map((s) => ({ set: labels.map((l) => `${l}="${s.labels[l] ?? ''}"`).join(','), n: s.v }))
    .sort((a, b) => b.n - a.n || a.set.localeCompare(b.set))
    .slice(0, 10)
    .map((f) => `{${f.set}} (${f.n} series)`);
  return `${metric} is there with ${sets.join(', ')}${found.length > 10 ? ` and ${found.length - 10} more` : ''}`;
}
