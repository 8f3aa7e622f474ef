import type { types as SlackTypes } from '@slack/bolt';
import type { Diagnosis } from '../../diagnosis/types.js';
import { detailsBlocks, detailsMessage, verdictLead, type SlackMessage } from '../slack-blocks.js';
import { code, cutMrkdwn, cutText, esc } from '../slack-text.js';

type KnownBlock = SlackTypes.KnownBlock;

export interface TriageContext {
  alertnames: string[];
  /** Members named by the alerts (their instance label): these are what the on-call looks for first. */
  members: string[];
  /** Playbooks that ran, by id. */
  playbooks: string[];
}

/**
 * The triage reply of an alert thread: the verdict, what it says about the members the alert names,
 * then the same details a why-slow gives.
 */
export function alertTriageMessage(d: Diagnosis, ctx: TriageContext): SlackMessage {
  // Alert names and members are label values: each is cut short before it joins a line.
  const names = esc(ctx.alertnames.map((n) => cutText(n, 300)).join(', '));
  // Alerts carry the member label's value (an address); the diagnosis names members by display name.
  const members = ctx.members.map((m) => cutText(displayName(d, m), 200));
  const blocks: KnownBlock[] = [verdictLead(d, `*Triage* of ${names}: ${esc(d.headline)}`)];
  const lines = members.map((m) => `• ${code(m)}: ${esc(memberFinding(d, m))}`);
  if (lines.length > 0) {
    const title = `*Alerted member${members.length > 1 ? 's' : ''}*`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cutMrkdwn(`${title}\n${lines.slice(0, 10).join('\n')}`, 2900) } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cutMrkdwn(`playbooks: ${esc(ctx.playbooks.join(', ') || 'none')}`, 2900) }] });
  const details = detailsMessage(d);
  const memberText = members.map((m) => `${esc(m)}: ${esc(memberFinding(d, m))}`).join('\n');
  return {
    text: cutMrkdwn(`Triage of ${names}: ${esc(d.headline)}${memberText ? `\n${memberText}` : ''}\n${details.text}`, 3000),
    blocks: [...blocks, ...detailsBlocks(d)],
  };
}

/**
 * Member label values (addresses) → the names the diagnosis gives them, for those that differ: kept
 * with the alert group so its parent message and the handoff name members as the triage did.
 */
export function memberNameMap(d: Diagnosis): Record<string, string> {
  return Object.fromEntries(d.members.flatMap((m) => (m.address !== undefined && m.address !== m.name ? [[m.address, m.name]] : [])));
}

/** The name the diagnosis gives a member an alert names by its member label value. */
export function displayName(d: Diagnosis, member: string): string {
  return d.members.find((m) => m.address === member)?.name ?? member;
}

/** One line about a member: the causes that name it, else whether the evidence showed it at all. */
export function memberFinding(d: Diagnosis, member: string): string {
  const causes = d.causes.filter((c) => c.members.includes(member));
  if (causes.length > 0) return causes.map((c) => `${c.title} (${c.severity}, ${c.confidence} confidence)`).join('; ');
  const others = d.causes.filter((c) => c.members.length > 0).flatMap((c) => c.members);
  const seen = d.members.some((m) => m.name === member) || d.findings.some((f) => f.checks.some((c) => c.values.some((v) => v.member === member)));
  if (!seen) return 'not seen in the evidence (its metrics could not be read)';
  if (others.length > 0) return `no cause found on this member; the evidence points at ${[...new Set(others)].join(', ')}`;
  return d.healthy ? 'no problem found in the evidence' : 'no cause identified for this member';
}
