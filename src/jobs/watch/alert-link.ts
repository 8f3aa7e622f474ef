import type { Config } from '../../config/schema.js';
import type { Diagnosis } from '../../diagnosis/types.js';
import { watchSettings } from '../../config/watch-settings.js';
import type { GroupState } from '../../incidents/alerts/group-state.js';
import type { WatchStore } from '../../incidents/watch/watch-store.js';
import { alertLinkReply } from '../../report/watch/watch-thread.js';
import type { SlackMessage } from '../../report/slack-blocks.js';
import type { Logger } from '../../telemetry/logger.js';

export interface AlertLinkDeps {
  config: Config;
  store: WatchStore;
  permalink: (channel: string, ts: string) => Promise<string>;
  logger: Logger;
}

/**
 * When an alert group's thread opens while the watch has a warning open for the same cluster, the two
 * conversations are tied together: the alert thread gets a reply linking the warning thread, and the
 * warning thread a reply linking back (and its parent says an alert fired). Once per group and thread
 * incarnation: the claim is taken before posting, so a retry never links twice (a crash right after the
 * claim leaves the link out rather than doubled).
 */
export async function linkAlertToWarning(
  g: GroupState,
  alertParentTs: string,
  /** Posts a reply into the alert thread (paced like the thread's other replies). */
  reply: (msg: SlackMessage) => Promise<void>,
  deps: AlertLinkDeps,
): Promise<void> {
  if (g.cluster === null) return;
  const settings = watchSettings(deps.config, g.cluster);
  if (!settings.enabled || settings.channel === undefined) return;
  const w = (await deps.store.state(g.cluster)).warning;
  if (w === undefined) return;
  const thread = await deps.store.thread(w.id);
  if (thread.parentTs === undefined) return;
  if (!(await deps.store.claim(`alert-link.${g.gid}.${g.incarnation}`, settings.rememberSeconds))) return;
  const [warningLink, alertLink] = await Promise.all([
    deps.permalink(settings.channel, thread.parentTs).catch(() => null),
    deps.permalink(g.channel, alertParentTs).catch(() => null),
  ]);
  const diagnosis = thread.diagnosis === undefined ? undefined : (JSON.parse(thread.diagnosis) as Diagnosis);
  await reply(alertLinkReply(w, diagnosis, warningLink));
  const alertnames = [...new Set(Object.values(g.alerts).map((a) => a.alertname))].sort();
  await deps.store.addToOutbox(w.id, { kind: 'alert-linked', at: new Date().toISOString(), permalink: alertLink, alertnames }, settings.rememberSeconds);
  if (alertLink !== null) await deps.store.saveThread(w.id, { alertLink }, settings.rememberSeconds);
  deps.logger.info({ cluster: g.cluster, gid: g.gid, warning: w.id }, 'alert thread linked to the open watch warning');
}
