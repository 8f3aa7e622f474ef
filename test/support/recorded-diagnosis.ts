import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { createLogCollector } from '../../src/diagnosis/evidence/log-collector.js';
import { runDiagnosis, type RunResult } from '../../src/diagnosis/run.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import type { LoadedScenario } from './fixture-prometheus.js';

const playbooks = loadPlaybooks();

/**
 * A recorded incident diagnosed as the bot would have done live, by default over the last three minutes
 * of the fault (or as `why-slow` would have answered at `at.endS` over `at.windowSeconds`), with the
 * cluster's `prometheus:` section given by the caller (another backend, a proxy, TLS): the config goes
 * through the real config parser, the queries through the real client.
 */
export async function diagnoseRecorded(
  s: Pick<LoadedScenario, 'meta' | 'logFiles' | 'times'>,
  prometheus: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
  at?: { endS: number; windowSeconds: number },
  /** Overrides parts of the cluster's config (e.g. nodeExporter). */
  cluster: Record<string, unknown> = {},
): Promise<RunResult> {
  const config = parseConfigText(
    stringify({
      clusters: {
        lab: {
          prometheus,
          selector: { job: s.meta.prometheus.etcdJob },
          // One host for all members: each member's address and the node's share the host part.
          nodeExporter: { selector: { job: s.meta.prometheus.nodeJob }, match: { by: 'host', memberLabel: 'address', nodeLabel: 'address' } },
          logs: Object.entries(s.logFiles).map(([member, path]) => ({ type: 'file', path, member })),
          ...cluster,
        },
      },
    }),
    'recorded.yaml',
    env,
  );
  const registry = new PrometheusRegistry(config, env);
  const collectLogs = createLogCollector(config);
  const end = Math.floor(at?.endS ?? s.times.faultEnd);
  const window = at?.windowSeconds ?? Math.min(180, Math.floor(s.times.faultEnd - s.times.faultStart));
  try {
    return await runDiagnosis(
      { config, playbooks, prometheus: registry, collectLogs },
      { cluster: 'lab', windowSeconds: window, endTime: new Date(end * 1000).toISOString(), origin: { kind: 'cli' } },
    );
  } finally {
    await Promise.all([registry.close(), collectLogs.close()]);
  }
}

/** How `why-slow lab --window 3m` is asked during an incident: every 30 s after the onset. */
export const ASK_EVERY_SECONDS = 30;
const ASK_WINDOW_SECONDS = 180;

/** The moments after the onset at which the incident is judged, up to the end of its fault. */
export function askTimes(s: Pick<LoadedScenario, 'times'>): number[] {
  const out: number[] = [];
  for (let t = ASK_EVERY_SECONDS; s.times.faultStart + t <= s.times.faultEnd + 1; t += ASK_EVERY_SECONDS) out.push(t);
  return out;
}

/**
 * The incident diagnosed `after` seconds past its onset over the last three minutes, the window never
 * reaching before the recording.
 */
export function diagnoseAfterOnset(s: Pick<LoadedScenario, 'meta' | 'logFiles' | 'times' | 'url'>, after: number): Promise<RunResult> {
  const endS = s.times.faultStart + after;
  return diagnoseRecorded(s, { url: s.url }, {}, {
    endS,
    windowSeconds: Math.min(ASK_WINDOW_SECONDS, Math.floor(endS - s.times.recordingStart)),
  });
}
