import type { SlackPoster } from './diagnose-worker.js';
import type { RedisChannelPacer } from './delivery-pacer.js';

/**
 * A why-slow answer shares its channel with alert threads: its new messages take their turn in the same
 * Redis pacer, across processes, so together they stay within Slack's one message per second per
 * channel. Parents go first; edits are not new messages and are not paced.
 */
export function pacedPoster(slack: SlackPoster, pacer: RedisChannelPacer): SlackPoster {
  return {
    postMessage: async (msg) => {
      await pacer.acquire(msg.channel, msg.thread_ts === undefined ? 'first' : 'later');
      return slack.postMessage(msg);
    },
    update: (msg) => slack.update(msg),
  };
}
