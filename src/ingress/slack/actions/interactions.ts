import type { App } from '@slack/bolt';

/**
 * Interactive payloads. Link buttons in our messages (Grafana, runbooks) still make Slack post a
 * block_actions payload, and an unacknowledged one shows the user a warning: acknowledge them all.
 * Buttons with behaviour register their own action_id before this catch-all.
 */
export function registerInteractions(app: App): void {
  app.action(/.*/, async ({ ack }) => {
    await ack();
  });
}
