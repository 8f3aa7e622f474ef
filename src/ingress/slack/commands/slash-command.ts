import { z } from 'zod';

/**
 * The fields of Slack's slash command payload that the bot relies on. Bolt has already verified the
 * signature; this checks the shape, so a malformed or unexpected payload gets a clear answer instead of
 * an exception deep in a handler.
 */
export const slashCommandSchema = z.object({
  command: z.string().min(1),
  text: z.string().default(''),
  channel_id: z.string().min(1),
  channel_name: z.string().optional(),
  user_id: z.string().min(1),
});

export type SlashCommandFields = z.infer<typeof slashCommandSchema>;
