import { QUERY_RECORD_TTL_SECONDS } from '../../../incidents/query-records.js';
import { queryListMessage } from '../../../report/query-list-slack.js';
import * as answer from './answers.js';
import type { ActionDeps, Click, ClickResult } from './click.js';

/** Show queries: every PromQL query of the diagnosis, its result in short, and a graph link. */
export async function showQueries(click: Click, deps: ActionDeps): Promise<ClickResult> {
  if (deps.queryRecords === undefined || click.value.q === undefined) return { text: answer.queriesUnavailable() };
  const list = await deps.queryRecords.load(click.value.q);
  // A value naming another cluster than the one it was stored for is treated as unknown.
  if (list === undefined || list.cluster !== click.clusterName) return { text: answer.queriesExpired(Math.round(QUERY_RECORD_TTL_SECONDS / 86400)) };
  const externalUrl = click.cluster.prometheus.externalUrl;
  const msg = queryListMessage(list, externalUrl === undefined ? {} : { externalUrl });
  return { ...msg, recorded: { action: 'show-queries', ref: click.value.q } };
}
