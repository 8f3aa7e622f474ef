import type { types as SlackTypes } from '@slack/bolt';
import type { QueryList, QuerySummary } from '../diagnosis/evidence/query-summary.js';
import type { SlackMessage } from './slack-blocks.js';
import { code, codeBlock, cutMrkdwn, esc, link } from './slack-text.js';

type KnownBlock = SlackTypes.KnownBlock;

/** Stays under Slack's per-message limits (50 blocks; ~13k characters of blocks has been seen to fail). */
const MAX_BLOCKS = 40;
const MAX_TOTAL_CHARS = 11_000;
const SECTION_MAX = 2900;

const utc = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The Prometheus graph page for one query, over the range it covered (an instant query: the hour before
 * it). Prometheus' UI reads `g0.end_input` as UTC and `g0.range_input` as a duration.
 */
export function prometheusGraphUrl(externalUrl: string, q: QuerySummary): string {
  const range = Math.max(60, q.kind === 'range' ? q.end - q.start : 3600);
  const u = new URL('graph', externalUrl.endsWith('/') ? externalUrl : `${externalUrl}/`);
  u.searchParams.set('g0.expr', q.promql);
  u.searchParams.set('g0.tab', q.kind === 'range' ? '0' : '1');
  u.searchParams.set('g0.range_input', `${Math.round(range)}s`);
  u.searchParams.set('g0.end_input', utc(q.end));
  return u.toString();
}

function queryText(q: QuerySummary, externalUrl: string | undefined): string {
  const tag = q.purpose === undefined ? '' : ` _(${esc(q.purpose)})_`;
  const graph = externalUrl === undefined ? '' : ` · ${link(prometheusGraphUrl(externalUrl, q), 'graph')}`;
  return `${q.failed ? '⚠️' : '•'} ${q.kind}${tag}: ${esc(q.result)}${graph}\n${codeBlock(q.promql)}`;
}

/**
 * The ephemeral answer to Show queries: every query of the diagnosis with its result in short and, when
 * the browser-facing Prometheus URL is configured, a link to its graph. What does not fit Slack's limits
 * is counted, never silently dropped.
 */
export function queryListMessage(list: QueryList, opts: { externalUrl?: string }): SlackMessage {
  const failed = list.queries.filter((q) => q.failed).length;
  const head = `*Queries behind this diagnosis of ${esc(list.cluster)}* — ${list.queries.length + list.omitted} queries${failed > 0 ? `, ${failed} failed` : ''}, collected ${esc(list.collectedAt.slice(0, 16).replace('T', ' '))} UTC`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: head } }];
  if (opts.externalUrl === undefined) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `No graph links: the browser-facing Prometheus address is not configured (${code(`clusters.${list.cluster}.prometheus.externalUrl`)}); the address the bot queries may not open from your browser.`,
        },
      ],
    });
  }
  let total = head.length;
  let shown = 0;
  let current = '';
  const flush = (): void => {
    if (current === '') return;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
    total += current.length;
    current = '';
  };
  for (const q of list.queries) {
    const text = cutMrkdwn(queryText(q, opts.externalUrl), SECTION_MAX);
    if (current !== '' && current.length + text.length + 1 > SECTION_MAX) flush();
    if (blocks.length >= MAX_BLOCKS || total + current.length + text.length > MAX_TOTAL_CHARS) break;
    current = current === '' ? text : `${current}\n${text}`;
    shown++;
  }
  flush();
  const notShown = list.queries.length - shown + list.omitted;
  if (notShown > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${notShown} more not shown (Slack's message size limit); \`etcd-triage why-slow ${esc(list.cluster)} --save-evidence FILE\` keeps them all.` }] });
  }
  return { text: `${list.queries.length + list.omitted} queries behind this diagnosis of ${esc(list.cluster)}`, blocks };
}
