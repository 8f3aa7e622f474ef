import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../../config/schema.js';
import type { ActionEvent } from '../../../incidents/timeline/timeline-event.js';
import { SUGGESTION_DONE_ACTION } from '../../../report/handoff/handoff-slack.js';
import { channelAllowed } from '../access.js';

/** What a "done" button on a handoff's suggested action carries. */
const suggestionValueSchema = z.object({ cluster: z.string(), id: z.string() });

const blockActionSchema = z.object({
  user: z.object({ id: z.string() }),
  channel: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })),
});

export interface HandoffActionOptions {
  config: Config;
  record(event: ActionEvent): Promise<void>;
  logger: Logger;
}

/**
 * "Done" on a suggested action in a handoff thread: recorded on the cluster's timeline, so the next
 * handoff no longer lists it as open. The catch-all in interactions.ts acknowledges every action (a
 * second ack would be an error), so this listener only records.
 */
export function registerHandoffActions(app: App, opts: HandoffActionOptions): void {
  app.action(new RegExp(`^${SUGGESTION_DONE_ACTION}`), async ({ body }) => {
    const parsed = blockActionSchema.safeParse(body);
    if (!parsed.success) return;
    const { user, channel, actions } = parsed.data;
    for (const a of actions) {
      if (!a.action_id.startsWith(SUGGESTION_DONE_ACTION) || a.value === undefined) continue;
      let value: z.infer<typeof suggestionValueSchema>;
      try {
        value = suggestionValueSchema.parse(JSON.parse(a.value));
      } catch {
        continue;
      }
      const cluster = Object.hasOwn(opts.config.clusters, value.cluster) ? opts.config.clusters[value.cluster] : undefined;
      // Only from a channel allowed to query the cluster: a forwarded message must not close items.
      if (cluster === undefined || channel === undefined || !channelAllowed(cluster, channel)) continue;
      try {
        await opts.record({
          id: `action.suggestion-done.${value.cluster}.${value.id}.${user.id}`,
          at: new Date().toISOString(),
          cluster: value.cluster,
          kind: 'action',
          user: user.id,
          action: 'suggestion-done',
          ref: value.id,
        });
      } catch (err) {
        opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not record a handoff action');
      }
    }
  });
}
