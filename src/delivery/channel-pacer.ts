/**
 * Per-channel pacing for new Slack messages: Slack allows about one message per second per channel.
 *
 * Each channel is its own FIFO lane. A task starts no sooner than `intervalMs` after the previous task
 * of its lane started (or after the last `holdOff`), and tasks of one lane never overlap, so a parent is
 * always posted before the replies queued after it. Lanes are independent: a 429 that holds one
 * channel back never delays another. The pacer knows nothing about Slack and can sit under a delivery
 * queue as well as under direct calls.
 */

export interface PacerOptions {
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Lane {
  tail: Promise<void>;
  /** Earliest start of the next task. */
  nextAt: number;
  queued: number;
}

export class ChannelPacer {
  readonly intervalMs: number;
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: PacerOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Runs `task` in `channel`'s lane when its turn and its time have come. */
  run<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lane(channel);
    lane.queued += 1;
    const result = lane.tail.then(async () => {
      const wait = lane.nextAt - this.now();
      if (wait > 0) await this.sleep(wait);
      lane.nextAt = this.now() + this.intervalMs;
      return task();
    });
    lane.tail = result.then(
      () => this.done(channel, lane),
      () => this.done(channel, lane),
    );
    return result;
  }

  /**
   * Pushes the lane's next start to at least `ms` from now. Called on every attempt of a retried call
   * (so a retried post also counts as "a message just sent") and may be used on a 429.
   */
  holdOff(channel: string, ms = this.intervalMs): void {
    const lane = this.lane(channel);
    lane.nextAt = Math.max(lane.nextAt, this.now() + ms);
  }

  /** Tasks waiting or running in a lane. */
  pending(channel: string): number {
    return this.lanes.get(channel)?.queued ?? 0;
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (lane === undefined) {
      lane = { tail: Promise.resolve(), nextAt: 0, queued: 0 };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  /** Idle lanes are kept only while their spacing still matters, so the map stays small. */
  private done(channel: string, lane: Lane): void {
    lane.queued -= 1;
    if (lane.queued > 0) return;
    const idleFor = Math.max(0, lane.nextAt - this.now());
    const timer = setTimeout(() => {
      if (lane.queued === 0 && this.lanes.get(channel) === lane && lane.nextAt <= this.now()) {
        this.lanes.delete(channel);
      }
    }, idleFor + 1);
    timer.unref();
  }
}
