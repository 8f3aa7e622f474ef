import { mentionGroup, mentionUser, esc } from '../../../report/slack-text.js';

/**
 * The ephemeral answers to the buttons under a diagnosis, in one place like the command's (messages.ts).
 * Only the person who clicked sees them. A refusal always says that nothing was done.
 */

const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function unreadable(): string {
  return '⚠️ This button could not be read (the message may come from an older version of the bot). Nothing was done.';
}

export function failed(): string {
  return '❌ Something went wrong while handling this button. Nothing was done: please try again.';
}

export function clusterGone(cluster: string): string {
  return `⚠️ Cluster *${esc(cluster)}* is no longer in the etcd-triage config, so this button cannot act on it. Nothing was done.`;
}

export function channelNotAllowed(cluster: string): string {
  return `⛔ Cluster *${esc(cluster)}* cannot be acted on from this channel. Nothing was done.`;
}

export function notInUserGroup(cluster: string, groups: readonly string[]): string {
  return `⛔ Only members of ${groups.map(mentionGroup).join(', ')} may act on *${esc(cluster)}*. Nothing was done.`;
}

export function rerunQueued(cluster: string, window: string, deduplicated: boolean): string {
  if (deduplicated) return `🔎 The same diagnosis of *${esc(cluster)}* over the last ${window} is already running: its answer will appear in this thread.`;
  return `🔁 Diagnosing *${esc(cluster)}* again over the last ${window}, ending now: the answer will appear in this thread.`;
}

export function alreadyWidest(window: string): string {
  return `ℹ️ This diagnosis already looks at the last ${window}, the widest window offered. Nothing was started.`;
}

export function queriesExpired(days: number): string {
  return `⌛ The queries behind this diagnosis are no longer kept (they are kept ${days} days). Press Re-run for a fresh diagnosis whose queries can be shown.`;
}

export function queriesUnavailable(): string {
  return '⚠️ The queries cannot be shown here: this part of the bot does not keep them. Nothing was done.';
}

export function groupGone(): string {
  return '⚠️ This alert group is no longer known to the bot (its history expired). Nothing was done.';
}

export function alertsUnavailable(): string {
  return '⚠️ Alert threads are not handled by this bot (no `alertmanager` section in its config). Nothing was done.';
}

export function groupResolved(): string {
  return 'ℹ️ This alert group has resolved: there is nothing to silence. Nothing was done.';
}

export function alreadySilenced(by: string, endsAt: string): string {
  return `ℹ️ This alert group is already silenced by ${mentionUser(by)} until ${when(endsAt)}. Nothing was done.`;
}

export function noAlertmanagerUrl(cluster: string): string {
  return `⚠️ No Alertmanager API URL is configured for *${esc(cluster)}* (\`clusters.${esc(cluster)}.alertmanagerApiUrl\` or \`handoff.alertmanagerApiUrl\`), so nothing can be silenced from here. Nothing was done.`;
}

export function noGroupLabels(): string {
  return '⚠️ This alert group has no group labels (Alertmanager groups it by nothing), so a silence for it would mute every alert. Nothing was done: silence it in Alertmanager with matchers of your choice.';
}

export function alertmanagerRefused(reason: string, what: 'silence' | 'expire'): string {
  const act = what === 'silence' ? 'No silence was created' : 'The silence was not expired';
  return `❌ ${esc(reason)}. ${act}; the thread is unchanged.`;
}

export function silenced(matchers: string, hours: number, endsAt: string, id: string): string {
  return `🔕 Silenced ${esc(matchers)} for ${hours} h, until ${when(endsAt)} (silence \`${esc(id)}\`). The thread shows it, with a button to expire it early.`;
}

export function silenceNotCurrent(): string {
  return 'ℹ️ This silence is no longer the thread\'s current one (it was expired or replaced). Nothing was done.';
}

export function silenceExpired(id: string): string {
  return `🔔 Silence \`${esc(id)}\` expired: this group's alerts notify again.`;
}

export function silenceHadEnded(id: string): string {
  return `🔔 Silence \`${esc(id)}\` had already ended; the thread no longer shows it.`;
}

export function stateNotSaved(): string {
  return '❌ Alertmanager accepted the change but the bot could not store it; it was undone in Alertmanager. Nothing changed: please try again.';
}
