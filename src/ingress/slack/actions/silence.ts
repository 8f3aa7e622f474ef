import { matchersText } from '../../../handoff/silences.js';
import { SILENCE_HOURS } from '../../../report/action-buttons.js';
import { AlertmanagerRefused, createSilence, expireSilence, type NewSilence } from '../../../sources/alertmanager/silence-api.js';
import { clickedGroup, updateGroup } from './alert-group.js';
import * as answer from './answers.js';
import type { ActionDeps, Click, ClickResult } from './click.js';

/** The Alertmanager API a cluster's silences go to: its own, else the one the handoff reads. */
export function alertmanagerUrl(click: Click, deps: ActionDeps): string | undefined {
  return click.cluster.alertmanagerApiUrl ?? deps.config.handoff.alertmanagerApiUrl;
}

/**
 * Silence (alert threads): a silence in Alertmanager for the group's labels (what Alertmanager grouped
 * the alerts by, so it mutes exactly this group), for the hours picked, created by the Slack user with
 * the thread's link in the comment. The group's state then carries it, and the parent shows it.
 */
export async function silence(click: Click, deps: ActionDeps): Promise<ClickResult> {
  const hours = click.value.h;
  if (hours === undefined || !(SILENCE_HOURS as readonly number[]).includes(hours)) return { text: answer.unreadable() };
  const found = await clickedGroup(click, deps);
  if ('refusal' in found) return { text: found.refusal };
  const { alerts, group } = found;
  if (group.status !== 'firing') return { text: answer.groupResolved() };
  if (group.silence !== undefined && Date.parse(group.silence.endsAt) > Date.now()) {
    return { text: answer.alreadySilenced(group.silence.by, group.silence.endsAt) };
  }
  const amUrl = alertmanagerUrl(click, deps);
  if (amUrl === undefined) return { text: answer.noAlertmanagerUrl(click.clusterName) };
  const matchers: NewSilence['matchers'] = Object.entries(group.groupLabels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  if (matchers.length === 0) return { text: answer.noGroupLabels() };

  const now = Date.now();
  const endsAt = new Date(now + hours * 3600_000).toISOString();
  let id: string;
  try {
    id = await createSilence(amUrl, {
      matchers,
      startsAt: new Date(now).toISOString(),
      endsAt,
      createdBy: click.userName,
      comment: `Silenced from Slack while the incident is worked on: ${await threadLink(click)}`,
    });
  } catch (err) {
    if (err instanceof AlertmanagerRefused) return { text: answer.alertmanagerRefused(err.message, 'silence') };
    throw err;
  }

  let stored;
  try {
    stored = await updateGroup(
      alerts,
      group.gid,
      (g) => (g.incarnation === group.incarnation ? { ...g, silence: { id, by: click.userId, endsAt } } : undefined),
      deps.logger,
    );
  } catch (err) {
    deps.logger.error({ err, gid: group.gid }, 'could not store a silence on its group');
    stored = undefined;
  }
  if (stored === undefined) {
    // Nothing half-applied: a silence the thread cannot show (nor expire) is taken back.
    await expireSilence(amUrl, id).catch((err: unknown) => deps.logger.warn({ err: String(err), id }, 'could not take back a silence'));
    return { text: answer.stateNotSaved() };
  }
  return { text: answer.silenced(matchersText(matchers), hours, endsAt, id), recorded: { action: 'silence', ref: id } };
}

/** The thread's permalink for the silence comment; the channel and timestamp when Slack cannot say. */
async function threadLink(click: Click): Promise<string> {
  try {
    const res = await click.client.chat.getPermalink({ channel: click.channelId, message_ts: click.threadTs });
    if (typeof res.permalink === 'string') return res.permalink;
  } catch {
    // fall through
  }
  return `Slack channel ${click.channelId}, thread ${click.threadTs}`;
}
