import { readEnv } from '../../src/config/env.js';
import { parseConfigText } from '../../src/config/load.js';
import { startServices, type RunningServices } from '../../src/cli/run/services.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { botEnv, startBotProcess, writeConfig, type BotProcess } from './bot-processes.js';
import { loadScenario, type LoadedScenario } from './fixture-prometheus.js';
import { freePort, type RunningProcess } from './processes.js';
import { startRedis } from './redis.js';
import { SlackStandin } from './slack-standin.js';

/**
 * What a crash test keeps up while it kills and restarts the real `etcd-triage worker` process: a real
 * Redis, the recorded slow-disk incident ending now in a real Prometheus, the Slack stand-in, and the
 * HTTP front (`serve`, in this process) on a free port. The config is written from `configText` once
 * Prometheus is up; the workers are the test's, started by `startWorker` on the same config.
 */
export interface CrashStack {
  redis: RunningProcess & { url: string };
  prom: LoadedScenario;
  slack: SlackStandin;
  front: RunningServices;
  configFile: string;
  /** A new `etcd-triage worker` process (its pid is the one a test kills). */
  startWorker(): Promise<BotProcess>;
  /** Stops the front, then Redis, Prometheus and Slack; the test stops its workers first. */
  stop(): Promise<void>;
}

export async function startCrashStack(opts: {
  configText: (prom: LoadedScenario) => string;
  signingSecret: string;
  /** The webhook's token (AM_TOKEN), for a config with `alertmanager:`. */
  webhookToken?: string;
}): Promise<CrashStack> {
  const [redis, prom, slack] = await Promise.all([
    startRedis(),
    // Shifted so the recording ends now: triage and why-slow both look at "the last minutes".
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    SlackStandin.start(),
  ]);
  const services = (): Promise<void> => Promise.all([redis.stop(), prom.stop(), slack.stop()]).then(() => undefined);
  const text = opts.configText(prom);
  const configFile = writeConfig(text);
  const env = botEnv(redis.url, slack, opts.signingSecret, opts.webhookToken);
  let front: RunningServices;
  try {
    front = await startServices('serve', {
      config: parseConfigText(text, 'chaos.yaml', {}),
      playbooks: loadPlaybooks(),
      env: readEnv({ ...env, LOG_LEVEL: 'silent' }),
      ...(opts.webhookToken === undefined ? {} : { secrets: { AM_TOKEN: opts.webhookToken } }),
      host: '127.0.0.1',
      port: await freePort(),
      logger: createLogger('silent'),
    });
  } catch (err) {
    await services();
    throw err;
  }
  return {
    redis,
    prom,
    slack,
    front,
    configFile,
    startWorker: () => startBotProcess('worker', configFile, env),
    stop: async () => {
      await front.stop();
      await services();
    },
  };
}
