import type { types as SlackTypes } from '@slack/bolt';
import { z } from 'zod';

type KnownBlock = SlackTypes.KnownBlock;
type ActionsBlock = SlackTypes.ActionsBlock;

/**
 * The row of buttons under a diagnosis parent (why-slow and alert threads). Each button carries what its
 * action needs in its value, as compact JSON; the cluster is looked up in the config again at click
 * time, so a value never grants anything by itself.
 */

export const ACTION = {
  rerun: 'etcd_rerun',
  widen: 'etcd_widen',
  showQueries: 'etcd_show_queries',
  silence: 'etcd_silence',
  expireSilence: 'etcd_expire_silence',
} as const;

/** Durations the Silence menu offers, in hours. */
export const SILENCE_HOURS = [1, 2, 4, 8] as const;

export const actionValueSchema = z.object({
  /** Cluster name. */
  c: z.string().min(1),
  /** Window in seconds of the diagnosis shown; absent for alert threads (their triage window applies). */
  w: z.number().int().positive().optional(),
  /** Id of the stored query list (see incidents/query-records.ts). */
  q: z.string().optional(),
  /** Alert group id. */
  g: z.string().optional(),
  /** Silence id. */
  s: z.string().optional(),
  /** Silence duration in hours. */
  h: z.number().int().positive().optional(),
});
export type ActionValue = z.infer<typeof actionValueSchema>;

const encode = (v: ActionValue): string => JSON.stringify(v);

const button = (actionId: string, text: string, value: ActionValue, style?: 'primary' | 'danger'): SlackTypes.Button => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text, emoji: true },
  value: encode(value),
  ...(style === undefined ? {} : { style }),
});

export interface DiagnosisButtonsInput {
  cluster: string;
  windowSeconds?: number;
  /** Id of the stored queries; without it there is no Show queries button. */
  queriesId?: string;
  /** Alert threads: the group, and its silence state. */
  alert?: { gid: string; firing: boolean; silenceId?: string };
}

export function diagnosisButtons(i: DiagnosisButtonsInput): KnownBlock {
  const base: ActionValue = { c: i.cluster, ...(i.windowSeconds === undefined ? {} : { w: i.windowSeconds }), ...(i.alert === undefined ? {} : { g: i.alert.gid }) };
  const elements: ActionsBlock['elements'] = [button(ACTION.rerun, '🔁 Re-run', base), button(ACTION.widen, '🔭 Widen window ×4', base)];
  if (i.queriesId !== undefined) elements.push(button(ACTION.showQueries, '🔍 Show queries', { ...base, q: i.queriesId }));
  if (i.alert?.silenceId !== undefined) {
    elements.push(button(ACTION.expireSilence, '🔔 Expire silence now', { c: i.cluster, g: i.alert.gid, s: i.alert.silenceId }, 'danger'));
  } else if (i.alert?.firing === true) {
    const gid = i.alert.gid;
    elements.push({
      type: 'static_select',
      action_id: ACTION.silence,
      placeholder: { type: 'plain_text', text: '🔕 Silence for…', emoji: true },
      options: SILENCE_HOURS.map((h) => ({ text: { type: 'plain_text', text: `${h} h` }, value: encode({ c: i.cluster, g: gid, h }) })),
    });
  }
  return { type: 'actions', block_id: 'etcd_diagnosis_actions', elements };
}
