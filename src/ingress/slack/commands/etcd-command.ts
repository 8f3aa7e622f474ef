import type { App } from '@slack/bolt';
import { answerSlashCommand, type SlashCommandOptions } from './slash-command-answer.js';

export type EtcdCommandOptions = SlashCommandOptions;

/**
 * Registers `/etcd` with Bolt: the transport for commands arriving over Socket Mode (over HTTP the
 * front's own endpoint answers them first, see receivers/http-commands.ts). The answer travels in the
 * acknowledgement itself, so nothing on this path depends on Slack's Web API being reachable, and every
 * path acknowledges exactly once.
 */
export function registerEtcdCommand(app: App, opts: EtcdCommandOptions): void {
  app.command(opts.commandName, async ({ command, ack, logger }) => {
    await ack(await answerSlashCommand(command, opts, logger));
  });
}
