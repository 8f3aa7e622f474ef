import type { types as SlackTypes } from '@slack/bolt';
import type { Diagnosis } from '../../diagnosis/types.js';
import type { OutboxItem } from '../../incidents/watch/watch-store.js';
import type { Warning, WarningCause } from '../../incidents/watch/watch-transition.js';
import { diagnosisButtons } from '../action-buttons.js';
import { detailsMessage, type SlackMessage } from '../slack-blocks.js';
import { cutMrkdwn, esc, link } from '../slack-text.js';

type KnownBlock = SlackTypes.KnownBlock;
const clip = (s: string): string => cutMrkdwn(s, 2900);
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text) } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text) }] });
/** "14:02 UTC": a warning is read the same day; the full date is in Slack's own timestamp. */
const hhmm = (iso: string): string => `${iso.slice(11, 16)} UTC`;

export interface WatchParentInput {
  warning: Warning;
  /** The full diagnosis run when the warning opened; absent while it runs. */
  diagnosis?: Diagnosis;
  /** Alert groups of the cluster firing when it opened (undefined: not known yet). */
  alertsAtOpen?: number;
  /** Permalink of an alert thread that fired while it was open. */
  alertLink?: string;
  windowSeconds: number;
  queriesId?: string;
}

/** Cause and member, from the diagnosis when it names a cause, else from what the watch saw. */
export function warningHeadline(w: Warning, d: Diagnosis | undefined): string {
  const top = d?.causes[0];
  if (top !== undefined) return `${top.title} on ${top.members.join(', ') || 'all members'}`;
  return causeText(w.current[0] ?? w.causes[0]);
}

function causeText(c: WarningCause | undefined): string {
  if (c === undefined) return 'degradation';
  return c.summary;
}

/**
 * The parent of a watch warning's thread: what is arriving, where, since when, and whether any alert
 * has fired; after recovery, for how long it lasted. Rendered from stored state only, so rendering
 * twice gives the same message and an edit goes out only when something changed.
 */
export function watchParentMessage(i: WatchParentInput): SlackMessage {
  const w = i.warning;
  const what = esc(warningHeadline(w, i.diagnosis));
  const recovered = w.recoveredAt !== undefined;
  const lasted = recovered ? minutes(Date.parse(w.recoveredAt!) - Date.parse(w.since)) : undefined;
  const head = recovered
    ? `✅ *${esc(w.cluster)}* — recovered after ${lasted}: ${what} (from ${hhmm(w.since)} to ${hhmm(w.recoveredAt!)})`
    : `👀 *${esc(w.cluster)}* — ${what} since ${hhmm(w.since)}`;
  const alertNote =
    i.alertLink !== undefined
      ? `🔔 ${link(i.alertLink, 'an alert fired')} while this was open`
      : i.alertsAtOpen === 0
        ? 'no alert has fired yet'
        : i.alertsAtOpen !== undefined
          ? `${i.alertsAtOpen} alert group${i.alertsAtOpen === 1 ? '' : 's'} already firing`
          : undefined;
  const more = w.causes.length > 1 ? `also seen: ${esc(w.causes.slice(1).map(causeText).join('; '))}` : undefined;
  // The ratio last reported (not the latest): the parent changes when a change was reported, not every tick.
  const worst = !recovered && w.reportedRatio > 0 ? `worst signal ${ratioText(w.reportedRatio)} its guideline` : undefined;
  const notes = [
    alertNote,
    worst,
    'early warning from the watch',
    more,
    i.diagnosis === undefined ? '🔎 diagnosis running…' : 'details in thread',
  ].filter((x): x is string => x !== undefined);
  const blocks: KnownBlock[] = [section(head), context(notes.join(' · '))];
  blocks.push(diagnosisButtons({ cluster: w.cluster, windowSeconds: i.windowSeconds, ...(i.queriesId === undefined ? {} : { queriesId: i.queriesId }) }));
  const plainAlert = alertNote?.replace(/<[^|>]*\|([^>]*)>/g, '$1');
  return { text: cutMrkdwn(`${head.replace(/\*/g, '')}${plainAlert === undefined ? '' : ` — ${plainAlert}`}`, 3000), blocks };
}

/** A reply in the warning's thread for one outbox item. */
export function watchReplyMessage(item: OutboxItem, w: Warning, d: Diagnosis | undefined): SlackMessage {
  switch (item.kind) {
    case 'opened': {
      const seen = w.causes.map((c) => `• ${esc(c.summary)}`).join('\n');
      const lead = section(`*What the watch saw arriving* (since ${hhmm(w.since)}):\n${seen}`);
      if (d === undefined) return { text: `The watch saw: ${w.causes.map((c) => c.summary).join('; ')}`, blocks: [lead] };
      const details = detailsMessage(d);
      return { text: details.text, blocks: [...details.blocks, lead] };
    }
    case 'changed': {
      const lines = [
        ...item.added.map((c) => `• now also: ${esc(c.summary)}`),
        item.worse ? `• markedly worse: the worst signal is ${ratioText(item.ratio)} its guideline (was ${ratioText(item.previousRatio)})` : undefined,
      ].filter((x): x is string => x !== undefined);
      const text = `🔺 Changed at ${hhmm(item.at)}:\n${lines.join('\n')}`;
      return { text: cutMrkdwn(text.replace(/\*/g, ''), 3000), blocks: [section(text)] };
    }
    case 'recovered': {
      const text = `✅ Recovered after ${minutes(item.durationMs)}: nothing over its onset guideline since ${hhmm(w.recoveredAt ?? item.at)}.`;
      return { text, blocks: [section(text)] };
    }
    case 'alert-linked': {
      const names = esc(item.alertnames.join(', ') || 'an alert');
      const text = `🔔 Alertmanager fired ${names} for *${esc(w.cluster)}*${item.permalink === null ? '' : `: ${link(item.permalink, 'alert thread')}`}`;
      return { text: cutMrkdwn(text.replace(/\*/g, ''), 3000), blocks: [section(text)] };
    }
  }
}

/** "6 min": how long a warning lasted, to the minute (never "0 min"). */
const minutes = (ms: number): string => `${Math.max(1, Math.round(ms / 60_000))} min`;

const ratioText = (r: number): string => `${r >= 10 ? Math.round(r) : r.toFixed(1)}×`;

/** The reply in an alert thread that links the watch warning open for the same cluster. */
export function alertLinkReply(w: Warning, d: Diagnosis | undefined, permalink: string | null): SlackMessage {
  const where = permalink === null ? 'its thread in the watch channel' : link(permalink, 'warning thread');
  const text = `👀 The watch saw this coming: ${esc(warningHeadline(w, d))} since ${hhmm(w.since)} (${where}).`;
  return { text: cutMrkdwn(text.replace(/<[^|>]*\|([^>]*)>/g, '$1'), 3000), blocks: [section(text)] };
}
