import { describe, expect, it } from 'vitest';
import { blocksToText, fitMessage, SLACK_LIMITS, type KnownBlock } from '../../../src/delivery/message-limits.js';

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('fitMessage', () => {
  it('leaves a message within limits untouched', () => {
    const blocks = [section('hello'), { type: 'divider' } as KnownBlock];
    expect(fitMessage('t', blocks, 'N')).toEqual({ text: 't', blocks, trimmed: false });
    expect(fitMessage('t', undefined, 'N')).toEqual({ text: 't', trimmed: false });
  });

  it('clips a long section text and says so', () => {
    const fitted = fitMessage('t', [section('y'.repeat(5000))], 'NOTICE');
    expect(fitted.trimmed).toBe(true);
    const first = fitted.blocks![0] as { text: { text: string } };
    expect(first.text.text).toHaveLength(SLACK_LIMITS.sectionText);
    expect(first.text.text.endsWith('…')).toBe(true);
    expect(JSON.stringify(fitted.blocks!.at(-1))).toContain('NOTICE');
    expect(fitted.fullText).toBe('y'.repeat(5000));
  });

  it('drops trailing blocks past 50 blocks or the size budget, keeping room for the notice', () => {
    const many = Array.from({ length: 80 }, (_, i) => section(`b${i}`));
    const byCount = fitMessage('t', many, 'N');
    expect(byCount.blocks).toHaveLength(50);
    expect(byCount.fullText).toContain('b79');

    const big = Array.from({ length: 20 }, (_, i) => section(`${i} ${'z'.repeat(1500)}`));
    const bySize = fitMessage('t', big, 'N');
    expect(JSON.stringify(bySize.blocks).length).toBeLessThanOrEqual(SLACK_LIMITS.blocksChars);
    expect(bySize.blocks!.length).toBeLessThan(20);
  });

  it('clips the top-level text past 39k characters', () => {
    const fitted = fitMessage('a'.repeat(50_000), undefined, 'N');
    expect(fitted.text).toHaveLength(SLACK_LIMITS.text);
    expect(fitted.trimmed).toBe(true);
  });
});

describe('blocksToText', () => {
  it('collects every text in reading order', () => {
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'Slow disk' } },
      { type: 'section', text: { type: 'mrkdwn', text: 'fsync p99' }, fields: [{ type: 'mrkdwn', text: 'etcd-2: 42 ms' }] },
      { type: 'divider' },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'window 15m' }] },
    ];
    expect(blocksToText(blocks)).toBe('Slow disk\n\nfsync p99\netcd-2: 42 ms\n\n---\n\nwindow 15m');
  });
});
