import { handleEtcdCommand, type CommandDeps, type CommandEvent } from './command-handler.js';
import * as say from './messages.js';
import { slashCommandSchema } from './slash-command.js';

export interface SlashCommandOptions extends CommandDeps {
  commandName: string;
  onCommand?: (event: CommandEvent) => void;
}

/** What Slack shows the user who typed the command: only them, in the channel they typed it in. */
export interface EphemeralAnswer {
  response_type: 'ephemeral';
  text: string;
}

/**
 * One `/etcd` payload (already authenticated as Slack's) to its ephemeral answer, whichever transport
 * carried it: Bolt's listener (Socket Mode) and the HTTP front's own command endpoint both call this, so
 * validation, access rules, enqueueing and wording are one implementation. Never throws: every payload
 * gets exactly one answer, including a malformed one and an unexpected failure.
 */
export async function answerSlashCommand(
  payload: unknown,
  opts: SlashCommandOptions,
  /** Where a malformed payload is reported: the transport's own logger. */
  transportLog: { warn(msg: string): void } = opts.logger,
): Promise<EphemeralAnswer> {
  const reply = (text: string): EphemeralAnswer => ({ response_type: 'ephemeral', text });
  const fields = slashCommandSchema.safeParse(payload);
  if (!fields.success) {
    transportLog.warn(`malformed slash command payload: ${fields.error.message}`);
    report(opts, { subcommand: 'invalid', outcome: 'rejected', reason: 'usage' });
    return reply(say.internalError());
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
    report(opts, { subcommand: 'invalid', outcome: 'error' });
    return reply(say.internalError());
  }
  opts.logger.info({ user: f.user_id, channel: f.channel_id, ...answer.event }, 'slash command handled');
  report(opts, answer.event);
  return reply(answer.text);
}

/** A metrics hook must never break the command path. */
function report(opts: SlashCommandOptions, event: CommandEvent): void {
  try {
    opts.onCommand?.(event);
  } catch (err) {
    opts.logger.warn({ err }, 'onCommand hook failed');
  }
}
