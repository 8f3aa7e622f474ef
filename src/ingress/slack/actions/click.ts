import type { App, types as SlackTypes, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ClusterConfig, Config } from '../../../config/schema.js';
import type { ActionEvent } from '../../../incidents/timeline/timeline-event.js';
import type { IncidentStore } from '../../../incidents/alerts/incident-store.js';
import type { QueryRecordStore } from '../../../incidents/query-records.js';
import { actionValueSchema, type ActionValue } from '../../../report/action-buttons.js';
import { channelAllowed, userAllowed } from '../access.js';
import type { EnqueueDiagnosis } from '../commands/command-handler.js';
import * as say from '../commands/messages.js';
import type { UserGroupDirectory } from '../user-groups.js';
import * as answer from './answers.js';

/**
 * What every button on a diagnosis parent goes through before it acts: the payload is validated, the
 * click is claimed once (Slack may deliver it twice), and the clicker is authorised exactly like the
 * `/etcd` command (the cluster still configured, the channel allowed, the user in an allowed group).
 * Refusals and failures are ephemeral answers, and change nothing; a refusal is logged and, as every
 * click on a named cluster, recorded on that cluster's timeline.
 */

const blockActionsSchema = z.object({
  user: z.object({ id: z.string(), name: z.string().optional(), username: z.string().optional() }),
  channel: z.object({ id: z.string(), name: z.string().optional() }),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(
    z.object({
      action_id: z.string(),
      action_ts: z.string(),
      value: z.string().optional(),
      selected_option: z.object({ value: z.string() }).optional(),
    }),
  ),
});

/** Claims one click; false when it was already handled (a repeated delivery). */
export type ClaimClick = (key: string) => Promise<boolean>;

export interface AlertThreads {
  store: IncidentStore;
  /** Queues the delivery that brings the thread's parent up to date with the group's state. */
  requestDelivery(d: { gid: string; incarnation: number; version: number }): Promise<void>;
}

export interface ActionDeps {
  config: Config;
  userGroups: UserGroupDirectory;
  claimClick: ClaimClick;
  record(event: ActionEvent): Promise<void>;
  enqueueDiagnosis: EnqueueDiagnosis;
  /** config.defaults.window and the alert triage window, in seconds. */
  defaultWindowSeconds: number;
  alertWindowSeconds: number;
  queryRecords?: QueryRecordStore;
  alerts?: AlertThreads;
  logger: Logger;
}

export interface Click {
  value: ActionValue;
  clusterName: string;
  cluster: ClusterConfig;
  userId: string;
  /** The Slack name of the user, for Alertmanager's createdBy. */
  userName: string;
  channelId: string;
  /** The thread the clicked message belongs to (its root). */
  threadTs: string;
  actionTs: string;
  client: webApi.WebClient;
}

/**
 * What an action did: its ephemeral answer, and what goes on the timeline: `recorded` when it acted,
 * `refused` when something outside the bot said no (e.g. Alertmanager), with what it refers to.
 */
export interface ClickResult {
  text: string;
  blocks?: SlackTypes.KnownBlock[];
  recorded?: { action: string; ref: string };
  refused?: { reason: string; ref: string };
}

/** Why a click was refused before its action ran, as recorded on the timeline. */
export type RefusalReason = 'cluster-gone' | 'channel-not-allowed' | 'not-in-user-group' | 'user-group-lookup-failed';

export type ClickHandler = (click: Click, deps: ActionDeps) => Promise<ClickResult>;

/** `name` is how the timeline calls the action (e.g. `rerun`), also when the click is refused. */
export function registerClick(app: App, actionId: string, name: string, deps: ActionDeps, handler: ClickHandler): void {
  // The catch-all in interactions.ts acknowledges every action (a second ack would be an error).
  app.action(actionId, async ({ body, respond, client }) => {
    const log = deps.logger.child({ action: actionId });
    const reply = (r: { text: string; blocks?: SlackTypes.KnownBlock[] }): Promise<unknown> =>
      respond({ response_type: 'ephemeral', replace_original: false, text: r.text, ...(r.blocks === undefined ? {} : { blocks: r.blocks }) }).catch(
        (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not answer a click'),
      );
    const parsed = blockActionsSchema.safeParse(body);
    const action = parsed.success ? parsed.data.actions.find((a) => a.action_id === actionId) : undefined;
    if (!parsed.success || action === undefined) {
      log.warn('malformed block_actions payload');
      await reply({ text: answer.unreadable() });
      return;
    }
    const p = parsed.data;
    let value: ActionValue;
    try {
      value = actionValueSchema.parse(JSON.parse(action.value ?? action.selected_option?.value ?? ''));
    } catch {
      await reply({ text: answer.unreadable() });
      return;
    }

    // One effect per click: Slack retries a delivery it thinks failed, with the same action_ts.
    let mine = true;
    try {
      mine = await deps.claimClick(`${action.action_ts}|${p.user.id}|${actionId}`);
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'click claim failed; handling the click anyway');
    }
    if (!mine) {
      log.info({ actionTs: action.action_ts }, 'click already handled; repeated delivery dropped');
      return;
    }

    // Every click on a known cluster goes on its timeline, a refused one with why (and nothing done).
    const record = (what: string, ref: string, refused?: string): Promise<void> =>
      deps
        .record({
          id: `action.${what}.${value.c}.${action.action_ts}.${p.user.id}`,
          at: new Date().toISOString(),
          cluster: value.c,
          kind: 'action',
          user: p.user.id,
          action: what,
          ref,
          ...(refused === undefined ? {} : { refused }),
        })
        .catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not record a button action'));

    const refusal = await authorise(value.c, p, deps, log);
    if ('reason' in refusal) {
      log.info({ user: p.user.id, channel: p.channel.id, cluster: value.c, refused: refusal.reason }, 'button click refused');
      await record(name, p.message?.ts ?? p.container?.message_ts ?? '', refusal.reason);
      await reply({ text: refusal.text });
      return;
    }
    const threadTs = p.message?.thread_ts ?? p.container?.thread_ts ?? p.message?.ts ?? p.container?.message_ts;
    if (threadTs === undefined) {
      await reply({ text: answer.unreadable() });
      return;
    }
    const click: Click = {
      value,
      clusterName: value.c,
      cluster: refusal.cluster,
      userId: p.user.id,
      userName: p.user.name ?? p.user.username ?? p.user.id,
      channelId: p.channel.id,
      threadTs,
      actionTs: action.action_ts,
      client,
    };
    let result: ClickResult;
    try {
      result = await handler(click, deps);
    } catch (err) {
      log.error({ err, cluster: value.c }, 'button action failed');
      await reply({ text: answer.failed() });
      return;
    }
    if (result.recorded !== undefined) await record(result.recorded.action, result.recorded.ref);
    if (result.refused !== undefined) await record(name, result.refused.ref, result.refused.reason);
    log.info(
      { user: p.user.id, channel: p.channel.id, cluster: value.c, acted: result.recorded !== undefined, ...(result.refused === undefined ? {} : { refused: result.refused.reason }) },
      'button handled',
    );
    await reply(result);
  });
}

/** The same three checks as `/etcd why-slow`: a refusal is the text to answer with, and why. */
async function authorise(
  name: string,
  p: z.infer<typeof blockActionsSchema>,
  deps: ActionDeps,
  log: Logger,
): Promise<{ cluster: ClusterConfig } | { text: string; reason: RefusalReason }> {
  const cluster = Object.hasOwn(deps.config.clusters, name) ? deps.config.clusters[name] : undefined;
  if (cluster === undefined) return { text: answer.clusterGone(name), reason: 'cluster-gone' };
  const channel = p.channel.name === undefined ? { id: p.channel.id } : { id: p.channel.id, name: p.channel.name };
  if (!channelAllowed(cluster, channel)) return { text: answer.channelNotAllowed(name), reason: 'channel-not-allowed' };
  const user = await userAllowed(cluster, p.user.id, deps.userGroups);
  if (!user.ok) {
    if (user.reason === 'lookup-failed') {
      log.warn({ cluster: name, err: user.detail }, 'user group lookup failed');
      return { text: say.groupLookupFailed(name), reason: 'user-group-lookup-failed' };
    }
    return { text: answer.notInUserGroup(name, cluster.slack?.userGroups ?? []), reason: 'not-in-user-group' };
  }
  return { cluster };
}
