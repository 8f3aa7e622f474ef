import type { App, RespondArguments } from '@slack/bolt';
import { handleEtcdCommand, type CommandDeps, type CommandEvent } from './command-handler.js';
import * as say from './messages.js';
import { slashCommandSchema } from './slash-command.js';

export interface EtcdCommandOptions extends CommandDeps {
  commandName: string;
  onCommand?: (event: CommandEvent) => void;
}

/**
 * Registers `/etcd`. The answer travels in the HTTP response of the command itself (the `ack` body), so
 * the user gets it without any Slack API call: nothing on this path depends on Slack being reachable.
 * Every path acknowledges exactly once, including unexpected errors.
 */
export function registerEtcdCommand(app: App, opts: EtcdCommandOptions): void {
  app.command(opts.commandName, async ({ command, ack, logger }) => {
    const reply = (text: string): RespondArguments => ({ response_type: 'ephemeral', text });
    const fields = slashCommandSchema.safeParse(command);
    if (!fields.success) {
      logger.warn(`malformed slash command payload: ${fields.error.message}`);
      await ack(reply(say.internalError()));
      report(opts, { subcommand: 'invalid', outcome: 'rejected', reason: 'usage' });
      return;
    }
    const f = fields.data;
    let answer;
    try {
      answer = await handleEtcdCommand(
        {
          text: f.text,
          channel: f.channel_name === undefined ? { id: f.channel_id } : { id: f.channel_id, name: f.channel_name },
          userId: f.user_id,
        },
        opts,
      );
    } catch (err) {
      opts.logger.error({ err }, '/etcd handler failed');
      await ack(reply(say.internalError()));
      report(opts, { subcommand: 'invalid', outcome: 'error' });
      return;
    }
    await ack(reply(answer.text));
    opts.logger.info({ user: f.user_id, channel: f.channel_id, ...answer.event }, 'slash command handled');
    report(opts, answer.event);
  });
}

/** A metrics hook must never break the command path. */
function report(opts: EtcdCommandOptions, event: CommandEvent): void {
  try {
    opts.onCommand?.(event);
  } catch (err) {
    opts.logger.warn({ err }, 'onCommand hook failed');
  }
}
