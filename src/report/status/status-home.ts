import type { types as SlackTypes } from '@slack/bolt';
import { cutMrkdwn } from '../slack-text.js';

type KnownBlock = SlackTypes.KnownBlock;

/** Slack allows 100 blocks in a Home tab view: a header, a context line, and one block per cluster. */
const MAX_CLUSTER_BLOCKS = 95;

/**
 * The app's Home tab: the same line per cluster as `/etcd status`, for the clusters the user may see,
 * and when it was drawn (the tab is redrawn each time the user opens it).
 */
export function homeView(lines: readonly string[], at: Date): { type: 'home'; blocks: KnownBlock[] } {
  const shown = lines.slice(0, MAX_CLUSTER_BLOCKS);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'etcd clusters' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `From the watch's last evaluation of each cluster, as of ${at.toISOString().slice(11, 16)} UTC. \`/etcd status\` in a channel says the same.` }] },
  ];
  if (shown.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'No cluster is open to you here: an operator lists channels and user groups per cluster under `clusters.<name>.slack`.' } });
  }
  for (const line of shown) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cutMrkdwn(line, 2900) } });
  if (lines.length > shown.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${lines.length - shown.length} more: \`/etcd status all\` lists them all.` }] });
  return { type: 'home', blocks };
}
