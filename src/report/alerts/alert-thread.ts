import type { types as SlackTypes } from '@slack/bolt';
import { formatDuration } from '../../diagnosis/window.js';
import type { ReplyIntent } from '../../incidents/alerts/apply-notification.js';
import { durationOf } from '../../incidents/alerts/apply-notification.js';
import { firingAlerts, uniqueSorted, worstSeverity, type AlertState, type GroupState } from '../../incidents/alerts/group-state.js';
import type { SlackMessage } from '../slack-blocks.js';
import { code, cutMrkdwn, cutText, esc, link, mentionUser } from '../slack-text.js';
import { triageQueriesId } from '../../incidents/query-records.js';
import { diagnosisButtons } from '../action-buttons.js';

type KnownBlock = SlackTypes.KnownBlock;
const MAX = 2900;
const clip = (s: string): string => cutMrkdwn(s, MAX);
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text) } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text) }] });
/** The notification text: our emphasis marks removed (phones show them literally); text stays escaped. */
const plain = (s: string): string => cutMrkdwn(s.replace(/\*/g, ''), 3000);

// A Map, not an object literal: a severity label of "constructor" or "__proto__" must find nothing.
const SEVERITY_ICON: ReadonlyMap<string, string> = new Map([
  ['critical', '🔴'],
  ['error', '🔴'],
  ['warning', '🟠'],
  ['info', '🔵'],
]);
const list = (xs: string[], max = 6): string =>
  xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
/** "2024-05-01 10:02 UTC": absolute, so the message stays true however late it is read. */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
/** One label value in a list or a line: long values are cut (a whole label never fills a message). */
const value = (s: string): string => cutText(s, 300);

/**
 * The parent message of an alert thread, rendered from the group's stored state and, for a silence,
 * whether its end has passed at `now`: rendering it twice gives the same text unless the state changed
 * or the silence ended meanwhile, so an edit is sent only when what the parent shows changed.
 */
export function alertParentMessage(g: GroupState, now: number = Date.now()): SlackMessage {
  const all = Object.values(g.alerts);
  const firing = firingAlerts(g);
  const shown = g.status === 'firing' ? firing : all;
  const names = uniqueSorted(shown.map((a) => a.alertname)).map(value);
  const members = uniqueSorted(shown.map((a) => memberName(g, a))).map(value);
  const severity = worstSeverity(shown);
  const where = g.cluster === null ? 'no configured cluster' : `*${esc(g.cluster)}*`;
  const head =
    g.status === 'firing'
      ? `${SEVERITY_ICON.get(severity?.toLowerCase() ?? '') ?? '🟠'} *FIRING* · ${esc(list(names))} · ${where}`
      : `✅ *RESOLVED* · ${esc(list(names))} · ${where} · lasted ${formatDuration(Math.max(1, Math.round(durationOf(g) / 1000)))}`;
  const facts = [
    `severity *${esc(value(severity ?? 'none'))}*`,
    members.length > 0 ? `members ${esc(list(members))}` : 'no member named',
    g.status === 'firing' ? `${firing.length} firing since ${when(g.firstFiringAt)}` : `from ${when(g.firstFiringAt)} to ${when(g.resolvedAt ?? g.firstFiringAt)}`,
    g.reopened > 0 ? `reopened ${g.reopened}×` : undefined,
    // Alertmanager's max_alerts or the bot's cap left alerts out: say so rather than look complete.
    (g.truncatedAlerts ?? 0) > 0 ? `${g.truncatedAlerts} more not listed (notification truncated)` : undefined,
  ].filter((x): x is string => x !== undefined);
  // Two lines on a phone: what fires and its facts, then one small line with the triage and the links.
  const t = g.triage;
  const notes = [
    t?.state === 'done' && t.headline !== undefined ? `*Triage:* ${esc(cutText(t.headline, 140))}` : undefined,
    t?.state === 'pending' && g.status === 'firing' ? '🔎 triage running…' : undefined,
    g.cluster === null ? 'These alerts match no cluster in the etcd-triage config, so no triage runs.' : undefined,
    silenceNote(g, now),
    `details in thread${g.externalURL ? ` · ${link(g.externalURL, 'Alertmanager')}` : ''}`,
  ].filter((x): x is string => x !== undefined);
  const blocks: KnownBlock[] = [section(`${head}\n${facts.join(' · ')}`), context(notes.join(' · '))];
  if (g.cluster !== null) {
    blocks.push(
      diagnosisButtons({
        cluster: g.cluster,
        ...(t?.state === 'done' ? { queriesId: triageQueriesId(g.gid, g.incarnation, t.id) } : {}),
        alert: { gid: g.gid, firing: g.status === 'firing', ...activeSilenceId(g, now) },
      }),
    );
  }
  return { text: plain(`${head} — ${facts.join(' · ')}${t?.headline ? ` — ${esc(value(t.headline))}` : ''}`), blocks };
}

/**
 * A silence past its end mutes nothing: from then on the parent says when it ended and offers the
 * Silence menu again instead of Expire now. The delivery worker re-renders the parent at that moment.
 */
const silenceActive = (s: { endsAt: string }, now: number): boolean => Date.parse(s.endsAt) > now;

function silenceNote(g: GroupState, now: number): string | undefined {
  if (g.silence === undefined) return undefined;
  return silenceActive(g.silence, now)
    ? `🔕 silenced by ${mentionUser(g.silence.by)} until ${when(g.silence.endsAt)}`
    : `🔔 silence by ${mentionUser(g.silence.by)} ended at ${when(g.silence.endsAt)}`;
}

/** The silence the Expire-now button acts on: only one still running. */
function activeSilenceId(g: GroupState, now: number): { silenceId?: string } {
  return g.silence !== undefined && silenceActive(g.silence, now) ? { silenceId: g.silence.id } : {};
}

/** Alerts name members by their label value (an address); a triage learnt the names people know. */
const memberName = (g: GroupState, a: AlertState): string | undefined => (a.member === undefined ? undefined : (g.memberNames?.[a.member] ?? a.member));

/** A thread reply for a change in the group: new or resolved alerts, resolution, or a reopen. */
export function alertReplyMessage(intent: ReplyIntent, g: GroupState): SlackMessage {
  switch (intent.kind) {
    case 'changed': {
      const lines: string[] = [];
      if (intent.added.length > 0) lines.push(`*Now firing* (${intent.added.length}):\n${alertLines(intent.added, g)}`);
      if (intent.resolved.length > 0) lines.push(`*Resolved* (${intent.resolved.length}):\n${alertLines(intent.resolved, g)}`);
      const text = `Alert group changed: ${intent.added.length} new, ${intent.resolved.length} resolved; ${firingAlerts(g).length} firing`;
      return { text, blocks: [section(lines.join('\n'))] };
    }
    case 'resolved': {
      const text = `✅ Resolved after ${formatDuration(Math.max(1, Math.round(intent.durationMs / 1000)))}. The thread stays as the record of this incident.`;
      return { text, blocks: [section(text)] };
    }
    case 'reopened': {
      const text = `🔁 Firing again (${intent.added.length} alert${intent.added.length === 1 ? '' : 's'}); triage runs again.`;
      return { text, blocks: [section(`${text}\n${alertLines(intent.added, g)}`)] };
    }
  }
}

function alertLines(alerts: AlertState[], g: GroupState): string {
  const shown = alerts.slice(0, 15).map(
    (a) =>
      `• ${code(value(a.alertname))}${a.member ? ` on ${code(value(memberName(g, a)!))}` : ''}${a.severity ? ` (${esc(value(a.severity))})` : ''}${a.summary ? ` — ${esc(value(a.summary))}` : ''}`,
  );
  if (alerts.length > 15) shown.push(`…and ${alerts.length - 15} more`);
  return shown.join('\n');
}
