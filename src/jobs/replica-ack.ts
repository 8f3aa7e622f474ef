import type { Redis } from 'ioredis';

export interface ReplicaAckOptions {
  /** Replicas that must have a write before it counts as acknowledged. */
  replicas: number;
  /** How long to wait for them. */
  timeoutMs: number;
  /** After a timeout, how long to stop waiting (a replica that is down must not slow every request). */
  pauseMs: number;
  /** Told when replicas did not acknowledge in time: `acked` of `replicas`. */
  onMissing?: (acked: number, replicas: number) => void;
  now?: () => number;
}

/**
 * Replication from a Redis master to its replicas is asynchronous: a write the master acknowledged can
 * be lost if the master dies before a replica has it, and a Sentinel failover then promotes a replica
 * without it. For an Alertmanager notification that means an alert answered 2xx (so never re-sent) and
 * never posted. WAIT blocks this connection until its earlier writes reached `replicas` replicas, so a
 * 2xx after it means the notification survives the master's loss.
 *
 * WAIT must run on the connection that made the writes (it waits for that client's replication
 * offset). When the replicas do not answer in time (one is down), the write is still on the master,
 * so the caller goes on; waiting is paused for `pauseMs` so a missing replica costs one timeout per
 * pause, not one per request.
 */
export class ReplicaAck {
  private pausedUntil = 0;
  private readonly now: () => number;
  /** The WAIT on the wire, and the one that callers arriving meanwhile share (group commit). */
  private inFlight: Promise<boolean> | undefined;
  private next: Promise<boolean> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly opts: ReplicaAckOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Resolves true when the replicas have every earlier write of this connection, false otherwise.
   * WAIT blocks the whole connection, so concurrent callers must not each send one: a storm would
   * queue a timeout per request behind a missing replica. One WAIT covers every write sent before it,
   * so callers arriving while one is on the wire share the single next one.
   */
  afterWrite(): Promise<boolean> {
    if (this.now() < this.pausedUntil) return Promise.resolve(false);
    if (this.inFlight === undefined) {
      this.inFlight = this.send().finally(() => {
        this.inFlight = undefined;
      });
      return this.inFlight;
    }
    // If the WAIT on the wire fails (the connection dropped), the writes of those sharing the next one
    // went out on that connection too, and nothing says a replica has them: they fail as well (503).
    this.next ??= this.inFlight.then(
      () => {
        this.next = undefined;
        return this.afterWrite();
      },
      (err: unknown) => {
        this.next = undefined;
        throw err;
      },
    );
    return this.next;
  }

  private async send(): Promise<boolean> {
    const acked = await this.redis.wait(this.opts.replicas, this.opts.timeoutMs);
    if (acked >= this.opts.replicas) return true;
    this.pausedUntil = this.now() + this.opts.pauseMs;
    this.opts.onMissing?.(acked, this.opts.replicas);
    return false;
  }
}
