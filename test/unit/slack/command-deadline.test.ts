import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandDeadline, EnqueueTimeoutError } from '../../../src/ingress/slack/commands/command-deadline.js';

/**
 * One timer bounds every command in flight: what a user notices is that a command whose enqueue does not
 * answer in time is told the queue is unavailable (and exactly those), while answered ones keep their
 * outcome, whatever the order in which they started and settled.
 */
describe('the shared enqueue deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const pending = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  /** The outcome of a bounded wait, as the command handler sees it. */
  const outcome = <T>(p: Promise<T>) => {
    const seen: { value?: T; error?: unknown } = {};
    p.then((v) => (seen.value = v), (e: unknown) => (seen.error = e));
    return seen;
  };

  it('expires exactly the waits not answered within the bound, each at its own deadline', async () => {
    const d = new CommandDeadline(2000);
    const a = pending<string>();
    const b = pending<string>();
    const c = pending<string>();
    const ra = outcome(d.bound(a.promise));
    await vi.advanceTimersByTimeAsync(500);
    const rb = outcome(d.bound(b.promise));
    await vi.advanceTimersByTimeAsync(500);
    const rc = outcome(d.bound(c.promise));
    b.resolve('job-b');
    await vi.advanceTimersByTimeAsync(999);
    // 1999 ms after a started: nothing expired yet, b answered.
    expect(ra).toEqual({});
    expect(rb).toEqual({ value: 'job-b' });
    await vi.advanceTimersByTimeAsync(1);
    expect(ra.error).toBeInstanceOf(EnqueueTimeoutError);
    expect((ra.error as Error).message).toBe('enqueue did not complete within 2000 ms');
    expect(rc).toEqual({});
    // A late answer to an expired wait changes nothing.
    a.resolve('job-a');
    await vi.advanceTimersByTimeAsync(0);
    expect(ra.value).toBeUndefined();
    c.resolve('job-c');
    await vi.advanceTimersByTimeAsync(0);
    expect(rc).toEqual({ value: 'job-c' });
    // Nothing left waiting: no timer left armed.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes an enqueue's own failure through, and a burst of fifty unanswered waits all expire on one timer", async () => {
    const d = new CommandDeadline(1000);
    const failing = pending<string>();
    const rf = outcome(d.bound(failing.promise));
    failing.reject(new Error('Redis connection lost'));
    await vi.advanceTimersByTimeAsync(0);
    expect((rf.error as Error).message).toBe('Redis connection lost');

    const never = Array.from({ length: 50 }, () => outcome(d.bound(new Promise<string>(() => undefined))));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(never.every((r) => r.error instanceof EnqueueTimeoutError)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
