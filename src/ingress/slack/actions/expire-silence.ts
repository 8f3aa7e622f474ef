import { AlertmanagerRefused, expireSilence as expireInAlertmanager } from '../../../sources/alertmanager/silence-api.js';
import { clickedGroup, updateGroup } from './alert-group.js';
import * as answer from './answers.js';
import type { ActionDeps, Click, ClickResult } from './click.js';
import { alertmanagerUrl } from './silence.js';

/** Expire now: ends the thread's silence in Alertmanager, then the parent no longer shows it. */
export async function expireSilence(click: Click, deps: ActionDeps): Promise<ClickResult> {
  const id = click.value.s;
  if (id === undefined) return { text: answer.unreadable() };
  const found = await clickedGroup(click, deps);
  if ('refusal' in found) return { text: found.refusal };
  if (found.group.silence?.id !== id) return { text: answer.silenceNotCurrent() };
  // The parent is rendered from state only (no clock), so it shows a silence past its end until someone
  // clicks: such a silence has already ended in Alertmanager (which may since have dropped it, after its
  // retention, and would answer 404), and only the thread needs updating.
  const ended = Date.parse(found.group.silence.endsAt) <= Date.now();
  if (!ended) {
    const amUrl = alertmanagerUrl(click, deps);
    if (amUrl === undefined) return { text: answer.noAlertmanagerUrl(click.clusterName) };
    try {
      await expireInAlertmanager(amUrl, id);
    } catch (err) {
      if (err instanceof AlertmanagerRefused) return { text: answer.alertmanagerRefused(err.message, 'expire') };
      throw err;
    }
  }
  await updateGroup(
    found.alerts,
    found.group.gid,
    (g) => {
      if (g.silence?.id !== id) return undefined;
      const { silence: _expired, ...rest } = g;
      return rest;
    },
    deps.logger,
  );
  return { text: ended ? answer.silenceHadEnded(id) : answer.silenceExpired(id), recorded: { action: 'expire-silence', ref: id } };
}
