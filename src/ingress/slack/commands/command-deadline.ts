/**
 * Bounds how long a command waits for its enqueue: past `ms` the wait fails (the queue counts as
 * unavailable and the user is told so) even if Redis never answers.
 *
 * One timer serves every command in flight, instead of a timer, a racing promise and a clear per
 * command: a burst of fifty commands is fifty waits with the same bound, so they expire in the order
 * they started, and only the oldest needs a timer. The cost per command is one small record.
 */
export class CommandDeadline {
  /** Waits in start order (so in deadline order: every one has the same bound); settled ones are skipped. */
  private waits: Array<{ deadline: number; settled: boolean; expire: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  /** Waits not settled yet. */
  private waiting = 0;

  constructor(readonly ms: number) {}

  /** `work`'s outcome, or an EnqueueTimeoutError once `ms` have passed without one. */
  bound<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const wait = {
        deadline: performance.now() + this.ms,
        settled: false,
        expire: () => reject(new EnqueueTimeoutError(this.ms)),
      };
      this.waits.push(wait);
      this.timer ??= setTimeout(this.fire, this.ms);
      this.waiting += 1;
      work.then(
        (value) => {
          if (this.settle(wait)) resolve(value);
        },
        (err: unknown) => {
          if (this.settle(wait)) reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /** False when the wait had already expired. With nothing left waiting, no timer is left armed either. */
  private settle(wait: { settled: boolean }): boolean {
    if (wait.settled) return false;
    wait.settled = true;
    this.waiting -= 1;
    if (this.waiting === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.waits = [];
    }
    return true;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    // A timer may fire a fraction of a millisecond before the sub-millisecond deadline it was set for.
    const now = performance.now() + 1;
    let i = 0;
    for (; i < this.waits.length; i += 1) {
      const wait = this.waits[i]!;
      if (wait.settled) continue;
      if (wait.deadline > now) break;
      this.settle(wait);
      wait.expire();
      if (this.waits.length === 0) return;
    }
    this.waits = this.waits.slice(i);
    // Settled waits at the head need no timer; the first one still waiting sets the next.
    while (this.waits.length > 0 && this.waits[0]!.settled) this.waits.shift();
    const next = this.waits[0];
    if (next !== undefined) this.timer = setTimeout(this.fire, Math.max(0, next.deadline - performance.now()));
  };
}

export class EnqueueTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`enqueue did not complete within ${timeoutMs} ms`);
    this.name = 'EnqueueTimeoutError';
  }
}

const deadlines = new Map<number, CommandDeadline>();

/**
 * `work` bounded by `ms`, on the deadline shared by every command with that bound (the front configures
 * one, so in practice one timer for the whole front).
 */
export function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let d = deadlines.get(ms);
  if (d === undefined) {
    d = new CommandDeadline(ms);
    deadlines.set(ms, d);
  }
  return d.bound(work);
}
