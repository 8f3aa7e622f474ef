import type { Evidence } from '../diagnosis/evidence.js';
import { runDiagnosis, type RunDeps } from '../diagnosis/run.js';
import type { DiagnosisRequest } from '../diagnosis/request.js';

interface Entry {
  startedAt: number;
  evidence: Promise<Evidence>;
}

/**
 * One evidence collection per cluster and window for every triage that asks within a few seconds: an
 * alert storm is many groups about one incident, and Prometheus must not pay once per group. The
 * evidence covers all playbooks; each group's diagnosis then looks at its own playbooks (cheap, pure).
 */
export class SharedEvidence {
  private readonly entries = new Map<string, Entry>();
  collections = 0;

  constructor(
    private readonly deps: RunDeps,
    private readonly shareMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(cluster: string, windowSeconds: number, origin: DiagnosisRequest['origin']): Promise<Evidence> {
    const key = `${cluster}|${windowSeconds}`;
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && t - hit.startedAt <= this.shareMs) return hit.evidence;

    this.collections += 1;
    const evidence = runDiagnosis(this.deps, { cluster, windowSeconds, origin }).then((r) => r.evidence);
    const entry: Entry = { startedAt: t, evidence };
    this.entries.set(key, entry);
    // A failed collection is not shared: the next triage tries again.
    evidence.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.prune(t);
    return evidence;
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries) if (t - e.startedAt > this.shareMs * 4) this.entries.delete(k);
  }
}
