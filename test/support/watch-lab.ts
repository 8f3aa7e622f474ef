import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, type LabLayout } from '../../deploy/lab/lib/layout.js';
import type { RunningServices } from '../../src/cli/run/services.js';
import type { Diagnosis } from '../../src/diagnosis/types.js';
import { WatchStore } from '../../src/incidents/watch/watch-store.js';
import { waitFor, type RunningProcess } from './processes.js';
import { startRedis } from './redis.js';
import { SlackStandin, type StoredMessage } from './slack-standin.js';
import { startTestBot } from './test-bot.js';

/**
 * The bot watching the live lab (deploy/lab), for the live benchmark and end-to-end test: `start` in
 * this process with the lab's config, the watch on at its defaults, the Slack stand-in, its own Redis,
 * and the lab's Alertmanager posting to it (so "no alert has fired yet" is true only when it is).
 */

export const WATCH_CHANNEL = 'C0LABWATCH';
export const ALERTS_CHANNEL = 'C0LABALERTS';
/** The lab's Alertmanager sends LAB_WEBHOOK_TOKEN, by default this one. */
const WEBHOOK_TOKEN = process.env['LAB_WEBHOOK_TOKEN'] ?? 'lab-webhook-token';

/** The lab's bot config with the watch on at its defaults; log files and ports follow this lab. */
export function watchLabConfig(l: LabLayout): string {
  return readFileSync(join(repoRoot, 'deploy', 'lab', 'etcd-triage.lab.yaml'), 'utf8')
    .replaceAll('path: .lab/', `path: ${l.stateDir}/`)
    .replaceAll('http://127.0.0.1:32090', l.prometheusUrl)
    .replace('  port: 32030', `  port: ${l.botPort}`)
    .replace('clusters:\n', 'watch:\n  enabled: true\nclusters:\n')
    .replace('    memberLabel: instance\n', `    memberLabel: instance\n    slack: { channels: ["${WATCH_CHANNEL}"] }\n    alerts: { channel: ${ALERTS_CHANNEL} }\n    watch: { channel: ${WATCH_CHANNEL} }\n`);
}

export interface WatchingBot {
  slack: SlackStandin;
  store: WatchStore;
  /** Warning parents posted so far, oldest first. */
  parents(): StoredMessage[];
  /** When Slack accepted the parent (the stand-in's clock, ms). */
  postedAt(parent: StoredMessage): number;
  /** The warning's full diagnosis, once stored. */
  diagnosis(parent: StoredMessage): Promise<Diagnosis>;
  stop(): Promise<void>;
}

export async function startWatchingBot(l: LabLayout): Promise<WatchingBot> {
  let redis: (RunningProcess & { url: string }) | undefined;
  let slack: SlackStandin | undefined;
  let bot: RunningServices | undefined;
  const stop = async (): Promise<void> => {
    await bot?.stop();
    await Promise.all([redis?.stop(), slack?.stop()]);
  };
  const prefix = `wl${Date.now()}`;
  try {
    [redis, slack] = await Promise.all([startRedis(), SlackStandin.start()]);
    bot = await startTestBot({
      name: 'etcd-triage.lab.yaml',
      config: watchLabConfig(l),
      slack: { token: slack.token, apiUrl: slack.apiUrl },
      redisUrl: redis.url,
      prefix,
      signingSecret: 'watch-live-signing-secret',
      secrets: { LAB_WEBHOOK_TOKEN: WEBHOOK_TOKEN },
      port: l.botPort,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const s = slack;
  const store = new WatchStore(bot.timeline!.redis, prefix);
  const keyOf = (m: StoredMessage): string => String(m.metadata?.event_payload['key'] ?? '');
  return {
    slack: s,
    store,
    parents: () => s.messages(WATCH_CHANNEL).filter((m) => (m.thread_ts === undefined || m.thread_ts === m.ts) && keyOf(m).startsWith('watch.')),
    postedAt: (p) => s.okCallsOf('chat.postMessage').find((c) => c.response['ts'] === p.ts)!.at,
    async diagnosis(p) {
      const id = keyOf(p).slice('watch.'.length);
      await waitFor('the warning diagnosis', async () => (await store.thread(id)).diagnosis !== undefined, 60_000, 250);
      return JSON.parse((await store.thread(id)).diagnosis!) as Diagnosis;
    },
    stop,
  };
}
