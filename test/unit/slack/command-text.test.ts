import { describe, expect, it } from 'vitest';
import { parseCommandText, type ParsedCommand } from '../../../src/ingress/slack/commands/command-text.js';

describe('parseCommandText', () => {
  const ok: Array<[string, ParsedCommand]> = [
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['why-slow lab', { kind: 'why-slow', cluster: 'lab' }],
    ['why-slow lab 15m', { kind: 'why-slow', cluster: 'lab', window: '15m' }],
    ['  Why-Slow    prod-cluster\t 2h  ', { kind: 'why-slow', cluster: 'prod-cluster', window: '2h' }],
    ['why-slow\u00a0lab\u00a030m', { kind: 'why-slow', cluster: 'lab', window: '30m' }],
    // Syntax only: the cluster keeps its case (matched exactly later) and the window is checked later.
    ['why-slow LAB 15x', { kind: 'why-slow', cluster: 'LAB', window: '15x' }],
    ['handoff all', { kind: 'handoff', cluster: 'all' }],
    ['handoff prod 12h', { kind: 'handoff', cluster: 'prod', since: '12h' }],
    ['status', { kind: 'status' }],
    ['status all', { kind: 'status', cluster: 'all' }],
    ['STATUS prod', { kind: 'status', cluster: 'prod' }],
  ];
  it.each(ok)('%j', (text, expected) => {
    expect(parseCommandText(text)).toEqual(expected);
  });

  const errors: Array<[string, string[]]> = [
    ['why-slow', ['which cluster?', '`/etcd why-slow &lt;cluster&gt; [window]`']],
    ['why-slow lab 15m now', ['too many words after `why-slow`', '`now`']],
    ['why-slow lab 15m a b', ['`a b`']],
    ['handoff', ['which cluster (or `all`)?']],
    ['handoff all 12h x', ['too many words after `handoff`']],
    ['help me', ['too many words after `help`']],
    ['restart lab', ['unknown subcommand `restart`', '`why-slow`, `handoff`, `status` or `help`']],
    ['status all now', ['too many words after `status`']],
    ['`rm` x', ["unknown subcommand `'rm'`"]],
    [`${'x'.repeat(100)}`, [`\`${'x'.repeat(39)}…\``]],
    ['<!channel> x', ['unknown subcommand `&lt;!channel&gt;`']],
    ['why-slow lab 15m <@U0EVIL>', ['`&lt;@U0EVIL&gt;` is not understood']],
  ];
  it.each(errors)('%j is a usage error', (text, words) => {
    const parsed = parseCommandText(text);
    expect(parsed.kind).toBe('usage-error');
    if (parsed.kind !== 'usage-error') return;
    for (const w of words) expect(parsed.problem).toContain(w);
  });
});
