import { prometheusUnreachable, runDiagnosis, type RunDeps } from '../diagnosis/run.js';
import type { Origin } from '../diagnosis/request.js';
import type { HealthNow } from './summary.js';

/** "Health now" is a quick diagnosis: the last five minutes, metrics only (logs would slow it down). */
export const HEALTH_WINDOW_SECONDS = 300;

export async function healthNow(deps: RunDeps, cluster: string, origin: Origin): Promise<HealthNow> {
  try {
    const { evidence, diagnosis } = await runDiagnosis(
      { config: deps.config, playbooks: deps.playbooks, prometheus: deps.prometheus },
      { cluster, windowSeconds: HEALTH_WINDOW_SECONDS, origin },
    );
    const down = prometheusUnreachable(evidence);
    if (down !== undefined) return { status: 'unknown', reason: `Prometheus did not answer (${down})` };
    if (diagnosis.healthy) return { status: 'healthy', headline: diagnosis.headline, window_seconds: HEALTH_WINDOW_SECONDS };
    const top = diagnosis.causes[0];
    return {
      status: 'unhealthy',
      headline: diagnosis.headline,
      window_seconds: HEALTH_WINDOW_SECONDS,
      ...(top === undefined ? {} : { top_cause: `${top.playbook}/${top.cause}`, severity: top.severity }),
      members: top?.members ?? [],
    };
  } catch (err) {
    return { status: 'unknown', reason: err instanceof Error ? err.message : String(err) };
  }
}
