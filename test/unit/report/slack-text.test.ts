import { stringify } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedQuote, cutMrkdwn, cutText, wellFormed } from '../../../src/delivery/text-cut.js';
import { code, esc, link, mentionGroup, mentionUser, quoteUser, safeUrl } from '../../../src/report/slack-text.js';
import { hasLoneSurrogate, hostileString } from './text-arbitraries.js';

/** Every `&` must start one of the three entities we write; nothing else may open an entity. */
const onlyOurEntities = (s: string): boolean => !/&(?!amp;|lt;|gt;)/.test(s);

describe('esc: outside text as Slack mrkdwn', () => {
  it.each([
    ['<!channel> disk full', '&lt;!channel&gt; disk full'],
    ['ping <@U0123ABC> and <!here>', 'ping &lt;@U0123ABC&gt; and &lt;!here&gt;'],
    ['<!subteam^S0123>', '&lt;!subteam^S0123&gt;'],
    ['see <http://evil.example|the runbook>', 'see &lt;http://evil.example|the runbook&gt;'],
    ['a & b', 'a &amp; b'],
    ['already &lt; escaped', 'already &amp;lt; escaped'],
    ['half an emoji \uD83D', 'half an emoji \uFFFD'],
  ])('%j → %j', (input, expected) => {
    expect(esc(input)).toBe(expected);
  });

  it('never lets a mention, channel or link through, and always encodes (any Unicode, lone surrogates too)', () => {
    fc.assert(
      fc.property(hostileString(200), (s) => {
        const out = esc(s);
        expect(out).not.toMatch(/[<>]/);
        expect(onlyOurEntities(out)).toBe(true);
        expect(hasLoneSurrogate(out)).toBe(false);
        expect(() => encodeURIComponent(out)).not.toThrow();
        expect(() => stringify({ text: out })).not.toThrow();
        expect(() => new URLSearchParams({ text: out }).toString()).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('links', () => {
  it('http(s) URLs become <url|label> with both parts escaped; other schemes are not linked', () => {
    expect(link('http://am.example:9093/#/alerts?x=1&y=2', 'Alertmanager')).toBe('<http://am.example:9093/#/alerts?x=1&amp;y=2|Alertmanager>');
    expect(link('https://a.example/p|q', 'a <b>')).toBe('<https://a.example/p%7Cq|a &lt;b&gt;>');
    expect(link('javascript:alert(1)', 'Alertmanager')).toBe('Alertmanager');
    expect(link('not a url', '<!channel>')).toBe('&lt;!channel&gt;');
    expect(link('', 'Alertmanager')).toBe('Alertmanager');
    expect(safeUrl('data:text/html,<b>')).toBeUndefined();
    expect(safeUrl('HTTPS://Example.COM/a b')).toBe('https://example.com/a%20b');
  });

  it('a link is either exactly one <http(s)…|label> or plain escaped text, for any URL and label', () => {
    const url = fc.oneof(hostileString(40), fc.webUrl(), hostileString(20).map((s) => `https://x.example/${s}`));
    fc.assert(
      fc.property(url, hostileString(40), (u, label) => {
        const out = link(u, label);
        const m = /^<(https?:\/\/[^<>|\s]+)\|([^<>]*)>$/.exec(out);
        if (m === null) expect(out).not.toMatch(/[<>]/);
        expect(onlyOurEntities(out)).toBe(true);
        expect(() => stringify({ text: out })).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('cutting', () => {
  it('never splits an emoji, a flag or a family; keeps within the limit', () => {
    expect(cutText(`${'x'.repeat(2999)}😀`, 3000)).toBe(`${'x'.repeat(2999)}…`);
    expect(cutText(`ab🇫🇷🇩🇪`, 7)).toBe('ab🇫🇷…');
    expect(cutText(`ab🇫🇷🇩🇪`, 6)).toBe('ab…');
    expect(cutText(`a👨‍👩‍👧bcd`, 10)).toBe('a👨‍👩‍👧…');
    expect(cutText(`a👨‍👩‍👧bcd`, 9)).toBe('a…');
    expect(cutText('short', 10)).toBe('short');
    // One grapheme longer than the limit is cut between code points, never inside one.
    expect(cutText(`e${'\u0301'.repeat(50)}`, 10)).toBe(`e${'\u0301'.repeat(8)}…`);
    expect(cutText('😀😀', 2)).toBe('…');
  });

  it('for any text and limit: within the limit, no lone surrogate, a prefix of the repaired text', () => {
    fc.assert(
      fc.property(hostileString(300), fc.integer({ min: 0, max: 320 }), (s, max) => {
        const out = cutText(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(hasLoneSurrogate(out)).toBe(false);
        const kept = out.endsWith('…') && out.length < wellFormed(s).length ? out.slice(0, -1) : out;
        expect(wellFormed(s).startsWith(kept)).toBe(true);
        expect(() => encodeURIComponent(out)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('cutting escaped mrkdwn never leaves half an entity or half of one of our links', () => {
    expect(cutMrkdwn(`${'x'.repeat(8)}&lt;!channel&gt;`, 10)).toBe(`${'x'.repeat(8)}…`);
    expect(cutMrkdwn(`ab <https://a.example/x|Alertmanager> cd`, 20)).toBe('ab …');
    fc.assert(
      fc.property(hostileString(200), hostileString(20), fc.integer({ min: 1, max: 300 }), (s, label, max) => {
        const out = cutMrkdwn(`${esc(s)} ${link('https://a.example/p', label)} ${esc(s)}`, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(onlyOurEntities(out)).toBe(true);
        expect(hasLoneSurrogate(out)).toBe(false);
        const open = out.lastIndexOf('<');
        expect(open <= out.lastIndexOf('>')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

    it('cuts a megabyte as quickly as a short text would be cut (only the head is looked at)', () => {
    const big = '😀'.repeat(500_000);
    expect(cutText(big, 3000)).toHaveLength(2999);
  });
});

describe('echoing what a user typed', () => {
  it('is quoted, bounded, one line, its backticks neutralised and escaped', () => {
    expect(quoteUser('15x')).toBe('`15x`');
    expect(quoteUser('x'.repeat(10_000))).toBe(`\`${'x'.repeat(59)}…\``);
    expect(quoteUser('a`b`c')).toBe("`a'b'c`");
    expect(quoteUser('<!channel>\nsecond line')).toBe('`&lt;!channel&gt; second line`');
    expect(boundedQuote('<b>')).toBe('`<b>`');
  });

  it('for any input: at most the limit plus quotes and escapes, no mention, encodable', () => {
    fc.assert(
      fc.property(hostileString(500), fc.integer({ min: 1, max: 100 }), (s, max) => {
        const q = boundedQuote(s, max);
        expect(q.length).toBeLessThanOrEqual(max + 2);
        expect(q.slice(1, -1)).not.toContain('`');
        expect(q).not.toMatch(/[\n\r]/);
        const out = quoteUser(s, max);
        expect(out).not.toMatch(/[<>]/);
        expect(out.length).toBeLessThanOrEqual(5 * max + 2);
        expect(() => stringify({ text: out })).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('our own mentions and code', () => {
  it('mention only ids shaped like Slack ids', () => {
    expect(mentionUser('U0123ABC')).toBe('<@U0123ABC>');
    expect(mentionUser('U1><!channel')).toBe('U1&gt;&lt;!channel');
    expect(mentionGroup('S0ONCALL')).toBe('<!subteam^S0ONCALL>');
    expect(mentionGroup('S1>|<!here')).toBe('S1&gt;|&lt;!here');
  });

  it('inline code cannot be closed early by the text in it', () => {
    expect(code('etcd-1`<!here>`')).toBe("`etcd-1'&lt;!here&gt;'`");
  });
});
