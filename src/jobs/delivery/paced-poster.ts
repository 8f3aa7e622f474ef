import type { SlackPoster } from '../diagnose/worker.js';
import type { RedisChannelPacer } from './redis-channel-pacer.js';

/**
 * why-slow answers and handoffs share their channels with alert threads: their new messages take their
 * turn in the same Redis pacer, across processes, so together they stay within Slack's one message per
 * second per channel. Parents go first; edits are not new messages and are not paced.
 */
export function pacedPoster(slack: SlackPoster, pacer: RedisChannelPacer): SlackPoster {
  return {
    postMessage: async (msg) => {
      await pacer.acquire(msg.channel, msg.thread_ts === undefined ? 'first' : 'later');
      return slack.postMessage(msg);
    },
    update: (msg) => slack.update(msg),
    // A file in a thread (a chart) shows as a new message: it takes its turn like one, behind every
    // parent and reply waiting for the channel, so a chart never delays a verdict.
    ...(slack.uploadFile === undefined
      ? {}
      : {
          uploadFile: async (args) => {
            await pacer.acquire(args.channel, 'last');
            return slack.uploadFile!(args);
          },
        }),
    // Reading history is not a new message: not paced.
    ...(slack.findParent === undefined ? {} : { findParent: slack.findParent.bind(slack) }),
    ...(slack.findReply === undefined ? {} : { findReply: slack.findReply.bind(slack) }),
    ...(slack.findFile === undefined ? {} : { findFile: slack.findFile.bind(slack) }),
  };
}
