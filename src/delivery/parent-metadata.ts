import { z } from 'zod';

/**
 * Every parent message the bot posts carries Slack message metadata naming what it is the parent of.
 * The metadata lives in Slack, so it survives a crash between Slack accepting the post and the bot
 * recording the returned ts: a retry finds the message by its key in the channel's recent history and
 * takes it over instead of posting a second parent. Keys are opaque ids (hashes, job ids), never label
 * values or anything secret: metadata is readable by every member of the workspace.
 */
export const PARENT_EVENT_TYPE = 'etcd_triage_parent';

export interface ParentMetadata {
  event_type: typeof PARENT_EVENT_TYPE;
  event_payload: { key: string };
}

export function parentMetadata(key: string): ParentMetadata {
  return { event_type: PARENT_EVENT_TYPE, event_payload: { key } };
}

/** The parent of one alert group's thread: the group id is already a hash of Alertmanager's groupKey. */
export const alertParentKey = (gid: string, incarnation: number): string => `alert.${gid}.${incarnation}`;
/**
 * A reply of an alert thread, by its place in the thread's reply list: the first of the replies one
 * message carries (several "changed" replies can go out as one).
 */
export const alertReplyKey = (gid: string, incarnation: number, index: number): string => `alert.${gid}.${incarnation}.reply.${index}`;
export const whySlowParentKey = (jobId: string): string => `why-slow.${jobId}`;
/** The details reply of a why-slow answer, in its thread. */
export const whySlowDetailsKey = (jobId: string): string => `why-slow-details.${jobId}`;
export const handoffParentKey = (jobId: string): string => `handoff.${jobId}`;

/**
 * What conversations.history (and conversations.replies, which answers in the same shape) returns per
 * message, as far as finding a parent or a thread reply needs it.
 */
export const historyPageSchema = z.object({
  messages: z
    .array(
      z.object({
        ts: z.string(),
        thread_ts: z.string().optional(),
        metadata: z
          .object({ event_type: z.string().optional(), event_payload: z.record(z.string(), z.unknown()).optional() })
          .optional(),
        /** Files the message shares (an upload completed into the thread is such a message). */
        files: z.array(z.object({ name: z.string().optional() })).optional(),
      }),
    )
    .default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

/** The ts of the top-level message in a history page that carries this parent key, if any. */
export function parentInPage(page: HistoryPage, key: string): string | undefined {
  const hit = page.messages.find(
    (m) =>
      m.metadata?.event_type === PARENT_EVENT_TYPE &&
      m.metadata.event_payload?.['key'] === key &&
      // A broadcast thread reply is also in history; only a top-level message can be the parent.
      (m.thread_ts === undefined || m.thread_ts === m.ts),
  );
  return hit?.ts;
}

/**
 * The ts of the thread reply in a conversations.replies page that carries this key, if any. A message
 * posted into an existing thread (a Re-run's answer) is found this way: history lists only top-level
 * messages. The thread's root, which conversations.replies returns first, is never the reply sought.
 */
export function replyInPage(page: HistoryPage, threadTs: string, key: string): string | undefined {
  const hit = page.messages.find(
    (m) => m.ts !== threadTs && m.metadata?.event_type === PARENT_EVENT_TYPE && m.metadata.event_payload?.['key'] === key,
  );
  return hit?.ts;
}

/**
 * The ts of the message in a conversations.replies page that shares a file of this name into the
 * thread, if any. Files carry no message metadata: the bot's chart file names carry the key instead
 * (see keyedFileName in chart-posts.ts), so a name is as unique as a key.
 */
export function fileInPage(page: HistoryPage, threadTs: string, filename: string): string | undefined {
  return page.messages.find((m) => m.ts !== threadTs && m.files?.some((f) => f.name === filename) === true)?.ts;
}

/**
 * How far back to look, in Slack's "seconds.micros": from when the first attempt may have posted,
 * less a margin because Slack stamps messages with its own clock, not ours.
 */
export const CLOCK_MARGIN_MS = 2 * 60_000;
export function historyOldest(sinceMs: number): string {
  return ((sinceMs - CLOCK_MARGIN_MS) / 1000).toFixed(6);
}
