import type { StoredMessage } from './slack-standin.js';

/**
 * Clicks on the buttons of a message as Slack sends them: a block_actions payload built from the
 * element actually posted (its action_id and value), so a test presses what a user would see.
 */

interface Element {
  type: string;
  action_id?: string;
  value?: string;
  options?: Array<{ value: string; text: { text: string } }>;
}

/** The interactive elements of a posted message, by action_id. */
export function elementsOf(m: StoredMessage): Map<string, Element> {
  const out = new Map<string, Element>();
  for (const b of (m.blocks ?? []) as Array<{ type?: string; elements?: Element[] }>) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements ?? []) if (e.action_id !== undefined) out.set(e.action_id, e);
  }
  return out;
}

export interface ClickOptions {
  channel: string;
  /** Default U0ALICE / alice. */
  user?: { id: string; name: string };
  /** Same action_ts twice = the same click delivered twice. Default: a fresh one. */
  actionTs?: string;
  responseUrl: string;
  /** For a static_select: the option's value (a button's own value is used otherwise). */
  selected?: string;
  /** Replaces the element's value (a message posted by an earlier config, or a forged one). */
  value?: string;
  channelName?: string;
}

let seq = 0;
export const freshActionTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

export function clickPayload(m: StoredMessage, actionId: string, o: ClickOptions): Record<string, unknown> {
  const el = elementsOf(m).get(actionId);
  if (el === undefined) throw new Error(`message ${m.ts} has no element ${actionId}`);
  const user = o.user ?? { id: 'U0ALICE', name: 'alice' };
  const action =
    el.type === 'static_select'
      ? {
          type: 'static_select',
          action_id: actionId,
          block_id: 'etcd_diagnosis_actions',
          selected_option: { value: o.selected ?? el.options?.[0]?.value, text: { type: 'plain_text', text: 'x' } },
          action_ts: o.actionTs ?? freshActionTs(),
        }
      : { type: 'button', action_id: actionId, block_id: 'etcd_diagnosis_actions', value: o.value ?? el.value, action_ts: o.actionTs ?? freshActionTs() };
  const threadTs = m.thread_ts ?? m.ts;
  return {
    type: 'block_actions',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T0STANDIN' },
    api_app_id: 'A0ETCD',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: m.ts, channel_id: o.channel, is_ephemeral: false, thread_ts: threadTs },
    trigger_id: '1.2.3',
    channel: { id: o.channel, name: o.channelName ?? 'etcd-oncall' },
    message: { type: 'message', ts: m.ts, thread_ts: threadTs, text: m.text, blocks: m.blocks },
    response_url: o.responseUrl,
    actions: [action],
  };
}
