import type { RedisClient } from '../redis.js';
import { parseEvidenceBundle } from '../../diagnosis/evidence/bundle.js';
import type { Evidence } from '../../diagnosis/evidence/evidence.js';
import { runDiagnosis, type RunDeps } from '../../diagnosis/run.js';
import type { DiagnosisRequest } from '../../diagnosis/request.js';
import { RedisLock } from '../../incidents/redis-lock.js';
import { sleep } from '../delivery/redis-channel-pacer.js';

interface Entry {
  startedAt: number;
  evidence: Promise<Evidence>;
}

export interface SharedEvidenceOptions {
  deps: RunDeps;
  shareMs: number;
  /** With Redis, worker processes share collections too: one collects, the others read its result. */
  redis?: RedisClient;
  prefix?: string;
  /** How long a process waits for another's collection before collecting itself. */
  waitForOtherMs?: number;
}

/**
 * One evidence collection per cluster and window for every triage that asks within a few seconds: an
 * alert storm is many groups about one incident, and Prometheus must not pay once per group. The
 * evidence covers all playbooks; each group's diagnosis then looks at its own playbooks (cheap, pure).
 * Within a process the in-flight promise is shared; across processes a Redis lease elects one collector
 * and the evidence is left in Redis for `shareMs`.
 */
export class SharedEvidence {
  private readonly entries = new Map<string, Entry>();
  /** Collections this process ran itself (not counting ones read from another process). */
  collections = 0;

  constructor(
    private readonly opts: SharedEvidenceOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get(cluster: string, windowSeconds: number, origin: DiagnosisRequest['origin']): Promise<Evidence> {
    const key = `${cluster}|${windowSeconds}`;
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && t - hit.startedAt <= this.opts.shareMs) return hit.evidence;

    const evidence = this.fetch(cluster, windowSeconds, origin);
    const entry: Entry = { startedAt: t, evidence };
    this.entries.set(key, entry);
    // A failed collection is not shared: the next triage tries again.
    evidence.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.prune(t);
    return evidence;
  }

  private async fetch(cluster: string, windowSeconds: number, origin: DiagnosisRequest['origin']): Promise<Evidence> {
    const redis = this.opts.redis;
    if (redis === undefined || this.opts.shareMs === 0) return this.collect(cluster, windowSeconds, origin);
    const base = `${this.opts.prefix ?? 'etcd-triage'}:evidence:${cluster}:${windowSeconds}`;
    const deadline = this.now() + (this.opts.waitForOtherMs ?? 25_000);
    for (;;) {
      const stored = await this.read(redis, base);
      if (stored !== undefined) return stored;
      const lock = await RedisLock.acquire(redis, `${base}:lock`, 30_000);
      if (lock !== undefined) {
        try {
          // Someone may have finished between our read and our lease.
          const late = await this.read(redis, base);
          if (late !== undefined) return late;
          const evidence = await this.collect(cluster, windowSeconds, origin);
          await redis.set(base, JSON.stringify(evidence), 'PX', this.opts.shareMs);
          return evidence;
        } finally {
          await lock.release().catch(() => undefined);
        }
      }
      if (this.now() > deadline) return this.collect(cluster, windowSeconds, origin);
      await sleep(50);
    }
  }

  private async read(redis: RedisClient, key: string): Promise<Evidence | undefined> {
    const raw = await redis.get(key);
    if (raw === null) return undefined;
    const parsed = parseEvidenceBundle(raw);
    return parsed.ok ? parsed.evidence : undefined;
  }

  private collect(cluster: string, windowSeconds: number, origin: DiagnosisRequest['origin']): Promise<Evidence> {
    this.collections += 1;
    return runDiagnosis(this.opts.deps, { cluster, windowSeconds, origin }).then((r) => r.evidence);
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries) if (t - e.startedAt > this.opts.shareMs * 4) this.entries.delete(k);
  }
}
