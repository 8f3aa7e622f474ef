import { esc, quoteUser } from '../../../report/slack-text.js';

/**
 * The words a user types after `/etcd`, turned into a command or a precise usage error (Slack mrkdwn,
 * the user's words quoted short and escaped).
 *
 * This is syntax only: whether a cluster exists, whether this channel may query it and whether a window
 * is in range are decided later against the config (see access.ts and why-slow.ts), so that each problem
 * gets its own message.
 */

// Escaped like any text for Slack: a bare `<cluster|all>` would be read as a link to "cluster".
export const USAGE = esc(
  [
    '`/etcd why-slow <cluster> [window]`: diagnose slow etcd over the last window (default from config, e.g. 15m; allowed 1m to 24h)',
    '`/etcd handoff <cluster|all> [since]`: on-call handoff summary since [since] (default: the last handoff in this channel, else 12h)',
    '`/etcd status [cluster|all]`: one line per cluster from the watch: health, leader, slowest signal, database size, alerts and warnings',
    '`/etcd help`: this message',
  ].join('\n'),
);

export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'why-slow'; cluster: string; window?: string }
  | { kind: 'handoff'; cluster: string; since?: string }
  | { kind: 'status'; cluster?: string }
  | { kind: 'usage-error'; problem: string };

const WHY_SLOW_USAGE = esc('`/etcd why-slow <cluster> [window]`');
const HANDOFF_USAGE = esc('`/etcd handoff <cluster|all> [since]`');
const STATUS_USAGE = esc('`/etcd status [cluster|all]`');

/** Splits on any run of whitespace (Slack may pass non-breaking spaces and tabs from pasted text). */
function words(text: string): string[] {
  return text.split(/[\s\u00a0]+/u).filter((w) => w.length > 0);
}

export function parseCommandText(text: string): ParsedCommand {
  const [first, ...rest] = words(text);
  if (first === undefined) return { kind: 'help' };
  const sub = first.toLowerCase();
  switch (sub) {
    case 'help':
      if (rest.length > 0) return tooMany('help', rest, '`/etcd help`');
      return { kind: 'help' };
    case 'why-slow': {
      const [cluster, window, ...extra] = rest;
      if (cluster === undefined) {
        return { kind: 'usage-error', problem: `which cluster? Usage: ${WHY_SLOW_USAGE}` };
      }
      if (extra.length > 0) return tooMany('why-slow', extra, WHY_SLOW_USAGE);
      return window === undefined ? { kind: 'why-slow', cluster } : { kind: 'why-slow', cluster, window };
    }
    case 'handoff': {
      const [cluster, since, ...extra] = rest;
      if (cluster === undefined) {
        return { kind: 'usage-error', problem: `which cluster (or \`all\`)? Usage: ${HANDOFF_USAGE}` };
      }
      if (extra.length > 0) return tooMany('handoff', extra, HANDOFF_USAGE);
      return since === undefined ? { kind: 'handoff', cluster } : { kind: 'handoff', cluster, since };
    }
    case 'status': {
      const [cluster, ...extra] = rest;
      if (extra.length > 0) return tooMany('status', extra, STATUS_USAGE);
      return cluster === undefined ? { kind: 'status' } : { kind: 'status', cluster };
    }
    default:
      return {
        kind: 'usage-error',
        problem: `unknown subcommand ${quoteUser(first, 40)}: use \`why-slow\`, \`handoff\`, \`status\` or \`help\``,
      };
  }
}

function tooMany(sub: string, extra: string[], usage: string): ParsedCommand {
  return {
    kind: 'usage-error',
    problem: `too many words after \`${sub}\`: ${quoteUser(extra.join(' '), 60)} is not understood. Usage: ${usage}`,
  };
}
