import { describe, expect, it } from 'vitest';
import { ChannelPacer } from '../../../src/delivery/channel-pacer.js';

describe('ChannelPacer', () => {
  it('spaces tasks of one lane by the interval and keeps their order', async () => {
    const pacer = new ChannelPacer({ intervalMs: 100 });
    const starts: Array<[string, number]> = [];
    const t0 = Date.now();
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        pacer.run('C1', async () => {
          starts.push([name, Date.now() - t0]);
        }),
      ),
    );
    expect(starts.map(([n]) => n)).toEqual(['a', 'b', 'c']);
    expect(starts[1]![1] - starts[0]![1]).toBeGreaterThanOrEqual(95);
    expect(starts[2]![1] - starts[1]![1]).toBeGreaterThanOrEqual(95);
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
    const pacer = new ChannelPacer({ intervalMs: 50 });
    const t0 = Date.now();
    pacer.holdOff('slow', 300);
    const [slow, fast] = await Promise.all([
      pacer.run('slow', async () => Date.now() - t0),
      pacer.run('fast', async () => Date.now() - t0),
    ]);
    expect(slow).toBeGreaterThanOrEqual(295);
    expect(fast).toBeLessThan(100);
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
