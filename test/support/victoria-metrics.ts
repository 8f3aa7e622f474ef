import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fixturesDir, readScenarioMeta, type ScenarioMeta } from './fixture-prometheus.js';
import { freePort, startProcess, tempDir, waitFor } from './processes.js';
import { rmSync } from 'node:fs';

/**
 * A real VictoriaMetrics (Debian `victoria-metrics`, single node) on a free loopback port, loaded with a
 * recorded incident's samples through its Prometheus import API, so the bot can be run against a second
 * Prometheus-compatible backend over exactly the samples the fixture Prometheus serves.
 */
export interface LoadedVictoriaMetrics {
  /** Base URL of the Prometheus API, with VictoriaMetrics' `/prometheus` prefix (it serves both). */
  url: string;
  meta: ScenarioMeta;
  /** Number of sample lines imported. */
  samples: number;
  stop(): Promise<void>;
}

/**
 * OpenMetrics (what the fixtures hold, timestamps in seconds) → Prometheus text format (what
 * /api/v1/import/prometheus reads, timestamps in milliseconds). The comment lines carry nothing the import needs.
 */
export function openMetricsToImportText(openMetrics: string): { text: string; samples: number } {
  const out: string[] = [];
  for (const line of openMetrics.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    const seconds = Number(line.slice(cut + 1));
    if (!Number.isFinite(seconds)) throw new Error(`sample without a timestamp: ${line.slice(0, 200)}`);
    out.push(`${line.slice(0, cut)} ${Math.round(seconds * 1000)}`);
  }
  return { text: `${out.join('\n')}\n`, samples: out.length };
}

export async function loadScenarioIntoVictoriaMetrics(name: string): Promise<LoadedVictoriaMetrics> {
  const meta = readScenarioMeta(name);
  const work = tempDir(`vm-${name}`);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    name: `victoria-metrics-${name}`,
    command: 'victoria-metrics',
    args: [
      `-storageDataPath=${join(work, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      // The recorded samples are days old by the time a test runs: keep them.
      '-retentionPeriod=100y',
      // Imported samples must be visible to the first query, not after a cache expires.
      '-search.disableCache',
      '-loggerLevel=ERROR',
    ],
    port,
    readyTimeoutMs: 30_000,
    ready: async () => (await fetch(`${origin}/health`, { signal: AbortSignal.timeout(1000) })).ok,
  });
  try {
    const { text, samples } = openMetricsToImportText(gunzipSync(readFileSync(join(fixturesDir, name, 'metrics.om.gz'))).toString('utf8'));
    const res = await fetch(`${origin}/api/v1/import/prometheus`, { method: 'POST', body: text });
    if (res.status !== 204) throw new Error(`VictoriaMetrics import answered ${res.status}: ${await res.text()}`);
    await fetch(`${origin}/internal/force_flush`);
    // The import is acknowledged before the samples are searchable: wait until the last one is.
    const end = Date.parse(meta.recording.end) / 1000;
    const expected = meta.members.length;
    await waitFor(`${name} samples searchable in VictoriaMetrics`, async () => {
      const q = new URLSearchParams({ query: `count(last_over_time(up{job="${meta.prometheus.etcdJob}"}[1m]))`, time: String(end) });
      const body = (await (await fetch(`${origin}/api/v1/query?${q}`)).json()) as { data?: { result?: Array<{ value: [number, string] }> } };
      return Number(body.data?.result?.[0]?.value[1]) === expected;
    }, 30_000, 200);
    return {
      url: `${origin}/prometheus`,
      meta,
      samples,
      async stop() {
        try { await proc.stop(); } finally { rmSync(work, { recursive: true, force: true }); }
      },
    };
  } catch (err) {
    await proc.stop();
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}
