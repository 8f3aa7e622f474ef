import type { Config } from '../../config/schema.js';
import { PrometheusClient } from './client.js';

/** One client (one bounded pool) per cluster, created on first use and shared by all jobs. */
export class PrometheusRegistry {
  private readonly clients = new Map<string, PrometheusClient>();

  constructor(
    private readonly config: Config,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  forCluster(name: string): PrometheusClient {
    let client = this.clients.get(name);
    if (!client) {
      const cluster = this.config.clusters[name];
      if (!cluster) throw new Error(`unknown cluster ${name}`);
      client = new PrometheusClient(cluster.prometheus, this.env);
      this.clients.set(name, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
