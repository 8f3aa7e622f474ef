import type { types as SlackTypes } from '@slack/bolt';
import { cutMrkdwn, esc } from '../slack-text.js';
import { statusDetail, statusParts, type StatusExtras } from './status-lines.js';
import type { WatchEvaluation } from '../../diagnosis/onset/types.js';

/**
 * The same status lines as Slack blocks (the `/etcd status` answer and the Home tab): one line per
 * cluster with its name in bold, several lines per section within Slack's 3000-character limit.
 */
type KnownBlock = SlackTypes.KnownBlock;

const SECTION_MAX = 2900;
const BLOCKS_MAX = 50;

export function statusBlocks(evaluations: WatchEvaluation[], extras: Record<string, StatusExtras> = {}): KnownBlock[] {
  const lines = evaluations.map((ev) => {
    const p = statusParts(ev, Object.hasOwn(extras, ev.cluster) ? extras[ev.cluster] : {});
    // Cluster and member names come from config and Prometheus labels: escaped like any outside text.
    return `${p.icon} *${esc(p.cluster)}*  ${esc(statusDetail(p))}`;
  });
  const sections: string[] = [];
  for (const line of lines) {
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SECTION_MAX) sections[sections.length - 1] = `${last}\n${line}`;
    else sections.push(cutMrkdwn(line, SECTION_MAX));
  }
  const blocks: KnownBlock[] = sections.slice(0, BLOCKS_MAX - 1).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  if (sections.length >= BLOCKS_MAX) {
    // Past Slack's 50 blocks per message (thousands of clusters): say how many lines were left out.
    const shown = blocks.length === 0 ? 0 : sections.slice(0, BLOCKS_MAX - 1).join('\n').split('\n').length;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… and ${lines.length - shown} more clusters` }] });
  }
  return blocks;
}
