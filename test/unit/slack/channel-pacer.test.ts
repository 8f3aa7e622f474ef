import { describe, expect, it } from 'vitest';
import { ChannelPacer } from '../../../src/delivery/channel-pacer.js';

/**
 * A virtual clock: `sleep` moves time forward instead of waiting, so the pacer's spacing is asserted
 * exactly, whatever else the machine is doing.
 */
function virtualClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe('ChannelPacer', () => {
  it('spaces tasks of one lane by the interval and keeps their order', async () => {
    const clock = virtualClock();
    const pacer = new ChannelPacer({ intervalMs: 100, now: clock.now, sleep: clock.sleep });
    const starts: Array<[string, number]> = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        pacer.run('C1', async () => {
          starts.push([name, clock.now()]);
        }),
      ),
    );
    expect(starts.map(([n]) => n)).toEqual(['a', 'b', 'c']);
    expect(starts[1]![1] - starts[0]![1]).toBe(100);
    expect(starts[2]![1] - starts[1]![1]).toBe(100);
  });

  it('never overlaps tasks of one lane, even slow ones', async () => {
    const pacer = new ChannelPacer({ intervalMs: 0 });
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        pacer.run('C1', async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 20));
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(1);
  });

  it('runs lanes independently; holdOff delays only its own lane', async () => {
    const clock = virtualClock();
    const pacer = new ChannelPacer({ intervalMs: 50, now: clock.now, sleep: clock.sleep });
    const t0 = clock.now();
    pacer.holdOff('slow', 300);
    const order: string[] = [];
    const fast = await pacer.run('fast', async () => {
      order.push('fast');
      return clock.now() - t0;
    });
    const slow = await pacer.run('slow', async () => {
      order.push('slow');
      return clock.now() - t0;
    });
    expect(order).toEqual(['fast', 'slow']);
    expect(fast).toBe(0);
    expect(slow).toBe(300);
    expect(clock.slept).toEqual([300]);
  });

  it('keeps going after a failed task and reports its error to the caller', async () => {
    const pacer = new ChannelPacer({ intervalMs: 10 });
    const failed = pacer.run('C1', async () => {
      throw new Error('boom');
    });
    const next = pacer.run('C1', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    expect(pacer.pending('C1')).toBe(0);
  });
});
