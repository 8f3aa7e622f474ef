/**
 * Redis keys of the slash-command intake. All carry the bot's prefix, which in a Redis Cluster is one hash
 * tag, so the front's script and the drain touch a single slot together with the diagnose queue's keys.
 */
export const commandIntakeKeys = (prefix: string) =>
  ({
    /** The stream of accepted commands, drained into the diagnose queue by the workers. */
    stream: `${prefix}:command-intake`,
    /** The consumer group of the workers that drain it. */
    group: 'drain',
    /** A command accepted but not drained yet, by deduplication key: identical commands join it meanwhile. */
    pending: (dedupeKey: string) => `${prefix}:command-intake:pending:${dedupeKey}`,
  }) as const;
