import type { Worker } from 'bullmq';
import type { CustomRoute } from '@slack/bolt';
import type { Config } from '../../config/schema.js';
import { requireSlackSecrets, type Env } from '../../config/env.js';
import type { Playbook } from '../../diagnosis/playbook/schema.js';
import { createSlackApp } from '../../ingress/slack/app.js';
import { startSlackServer, stoppableServer, type RunningSlackServer } from '../../ingress/slack/server.js';
import { createRouteServer, listenOn } from '../../ingress/http/route-server.js';
import { startSocketModeFront } from '../../ingress/slack/socket-front.js';
import { healthRoutes } from '../../ingress/http/health-routes.js';
import { credentialsFromEnv, WebhookAuthenticator } from '../../ingress/alertmanager/auth.js';
import { alertmanagerWebhookRoute } from '../../ingress/alertmanager/webhook-route.js';
import { AlertIntakeQueue } from '../../jobs/alerts/intake-queue.js';
import { startAlertPipeline, type AlertPipeline } from '../../jobs/alerts/pipeline.js';
import { AlertFollowUps } from '../../jobs/alerts/queues.js';
import { parseDuration } from '../../config/duration.js';
import { DiagnoseQueue } from '../../jobs/diagnose/queue.js';
import { CommandIntake } from '../../jobs/commands/command-intake.js';
import { startCommandDrain } from '../../jobs/commands/command-drain.js';
import { startDiagnoseWorker } from '../../jobs/diagnose/worker.js';
import { frontConnection, redisConnection, redisKeyPrefix, replicaAck, type RedisClient } from '../../jobs/redis.js';
import { HandoffQueue } from '../../jobs/handoff/queue.js';
import { startHandoffWorker } from '../../jobs/handoff/worker.js';
import { startWatch } from '../../jobs/watch/start.js';
import { readStatusLines } from '../../jobs/watch/status.js';
import { HomeQueue } from '../../jobs/watch/home.js';
import { WatchStore } from '../../incidents/watch/watch-store.js';
import { DEFAULT_PREFIX } from '../../jobs/names.js';
import { IncidentStore } from '../../incidents/alerts/incident-store.js';
import { TimelineStore } from '../../incidents/timeline/timeline-store.js';
import { QueryRecordStore } from '../../incidents/query-records.js';
import { handoffProblems } from '../../config/handoff-checks.js';
import { SlackDelivery } from '../../delivery/slack-client.js';
import { ChannelPacer } from '../../delivery/channel-pacer.js';
import { PrometheusRegistry } from '../../sources/prometheus/registry.js';
import { createLogCollector } from '../../diagnosis/evidence/log-collector.js';
import { pacedPoster } from '../../jobs/delivery/paced-poster.js';
import { RedisChannelPacer } from '../../jobs/delivery/redis-channel-pacer.js';
import { Metrics } from '../../telemetry/metrics.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { ActiveJobs } from './active-jobs.js';
import { CliError, EXIT } from '../exit.js';

export type ServiceMode = 'serve' | 'worker' | 'start';

export interface ServiceOptions {
  config: Config;
  playbooks: Playbook[];
  env: Env;
  host?: string;
  port?: number;
  logger?: Logger;
  metrics?: Metrics;
  /** Redis key prefix; tests give each run its own. */
  prefix?: string;
  /** Where secrets named by the config (webhook credentials) are read; default process.env. */
  secrets?: Record<string, string | undefined>;
}

export interface RunningServices {
  url?: string;
  port?: number;
  metrics: Metrics;
  queue?: DiagnoseQueue;
  worker?: Worker;
  /** Present when the config has an alertmanager section. */
  alertIntake?: AlertIntakeQueue;
  alerts?: AlertPipeline;
  /** The front's producer of `/etcd handoff` jobs. */
  handoffQueue?: HandoffQueue;
  /** Worker side: the handoff consumer and the timeline it reads. */
  handoffWorker?: Worker;
  timeline?: TimelineStore;
  /** First step of a shutdown: /readyz answers 503 so load balancers stop sending requests. */
  drain(): void;
  /** What a shutdown would still wait for: jobs running in this process, as `queue job <id>`. */
  openWork(): string[];
  /**
   * For a shutdown past its deadline: moves the jobs still running back to their queues so another
   * worker starts them at once. Their processors here are abandoned; the process is about to exit.
   */
  handBack(): Promise<void>;
  /** Stops taking requests, lets running jobs finish, closes Redis. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Every Redis connection of the services is made here: the front's fails fast (answers 503 when Redis is
 * down), the others are BullMQ's blocking kind that reconnect for ever.
 */
function connectRedis(env: Env, purpose: string): RedisClient {
  return purpose === 'front' ? frontConnection(env.REDIS_URL) : redisConnection(env.REDIS_URL, purpose);
}

/**
 * Wires the parts for one process: `serve` is the HTTP front (validate, enqueue, answer), `worker`
 * consumes jobs, `start` is both. Each part gets its own Redis connections (BullMQ's rule).
 */
export async function startServices(mode: ServiceMode, opts: ServiceOptions): Promise<RunningServices> {
  // In a Redis Cluster every key of ours carries one hash tag, so scripts and MULTIs stay in one slot.
  opts = { ...opts, prefix: redisKeyPrefix(opts.env.REDIS_URL, opts.prefix ?? DEFAULT_PREFIX) };
  const logger = opts.logger ?? createLogger(opts.env.LOG_LEVEL);
  const metrics = opts.metrics ?? new Metrics();
  const redisUrl = opts.env.REDIS_URL;
  const connections: RedisClient[] = [];
  const stops: Array<() => Promise<void>> = [];
  const active = new ActiveJobs();
  let draining = false;
  const result: RunningServices = {
    metrics,
    drain: () => {
      draining = true;
    },
    openWork: () => active.describe(),
    handBack: () => active.handBack(logger),
    stop: async () => undefined,
  };
  /** What /readyz checks: not draining (a shutdown began), and Redis answering on `conn`. */
  const readiness = (conn: RedisClient): Promise<unknown> => (draining ? Promise.reject(new Error('shutting down')) : conn.ping());
  let stopping: Promise<void> | undefined;
  result.stop = () => {
    stopping ??= (async () => {
      draining = true;
      for (const stop of stops) await stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'stop step failed'));
      for (const c of connections) c.disconnect();
    })();
    return stopping;
  };
  try {
    await startParts();
  } catch (err) {
    // A part that fails to start (port taken, bad credentials…) must not leave the others running: the
    // process would stay up, half started, and ignore the signals meant for a running service.
    await result.stop();
    throw err;
  }
  return result;

  async function startParts(): Promise<void> {
    if (mode === 'serve' || mode === 'start') {
      const slackMode = opts.config.slack.mode;
      const secrets = requireSlackSecrets(opts.env, slackMode);
      const queueConn = connectRedis(opts.env, 'front');
      connections.push(queueConn);
      const queue = new DiagnoseQueue({
        connection: queueConn,
        prefix: opts.prefix,
        dedupeSeconds: opts.config.jobs.dedupeSeconds,
        attempts: opts.config.jobs.attempts,
      });
      stops.push(() => queue.close());
      // A connection of its own: the one the queues share carries BullMQ's ~60 scripts, which ioredis copies
      // into every auto-pipeline it builds (a third of the intake's CPU per command when shared).
      const commandConn = connectRedis(opts.env, 'front');
      connections.push(commandConn);
      commandConn.on('error', (err: Error) => logger.debug({ err: err.message }, 'command intake connection error'));
      const commandIntake = new CommandIntake(commandConn, queue, opts.prefix ?? DEFAULT_PREFIX);
      const handoffQueue = new HandoffQueue(queueConn, opts.prefix, (err) => logger.debug({ err: err.message }, 'handoff queue connection error'));
      stops.push(() => handoffQueue.close());
      result.handoffQueue = handoffQueue;
      const homeQueue = new HomeQueue(queueConn, opts.prefix, (err) => logger.debug({ err: err.message }, 'home tab queue connection error'));
      stops.push(() => homeQueue.close());
      const frontTimeline = new TimelineStore(queueConn, { prefix: opts.prefix ?? DEFAULT_PREFIX, ...opts.config.handoff });
      // Redis outages reach callers as failed enqueues (503 / ephemeral error); keep BullMQ from printing them.
      queue.queue.on('error', (err) => logger.debug({ err: err.message }, 'diagnose queue connection error'));
      const am = opts.config.alertmanager;
      const alertRoutes = (): CustomRoute[] => {
        if (am === undefined) return [];
        let auth: WebhookAuthenticator;
        try {
          auth = new WebhookAuthenticator(credentialsFromEnv(am.auth, opts.secrets ?? process.env));
        } catch (err) {
          throw new CliError(err instanceof Error ? err.message : String(err), EXIT.config);
        }
        const intake = new AlertIntakeQueue(queueConn, opts.prefix, (err) => logger.debug({ err: err.message }, 'alert intake queue connection error'), replicaAck(opts.env.REDIS_URL, queueConn, logger));
        stops.push(() => intake.close());
        result.alertIntake = intake;
        return [alertmanagerWebhookRoute({ path: am.path, auth, maxBodyBytes: am.maxBodyBytes, maxAlerts: am.maxAlertsPerNotification, intake, metrics, logger })];
      };
      const frontRoutes: CustomRoute[] = [
        // Once draining, /readyz says 503 (the load balancer stops routing here) while requests in flight finish.
        // Ready once both the queues' and the command intake's connections answer: a slash command
        // arriving earlier would wait for its connection inside Slack's 3 s.
        ...healthRoutes({ metrics, redisPing: () => Promise.all([readiness(queueConn), commandConn.ping()]) }),
        ...alertRoutes(),
      ];
      const envelopePrefix = opts.prefix ?? DEFAULT_PREFIX;
      // The Silence buttons change an alert group's state and queue the edit of its thread's parent.
      const alertFollowUps = am === undefined ? undefined : new AlertFollowUps(queueConn, opts.prefix, (err) => logger.debug({ err: err.message }, 'alert follow-up queue connection error'));
      if (alertFollowUps !== undefined) stops.push(() => alertFollowUps.close());
      const app = createSlackApp({
        config: opts.config,
        botToken: secrets.botToken,
        ...(slackMode === 'socket'
          ? {
              socket: {
                appToken: secrets.appToken!,
                // A redelivered envelope is answered by whichever replica claimed it first, once.
                claimEnvelope: async (id: string) => (await queueConn.set(`${envelopePrefix}:slack-envelope:${id}`, '1', 'EX', 3600, 'NX')) === 'OK',
              },
            }
          : { signingSecret: secrets.signingSecret!, customRoutes: frontRoutes }),
        slackApiUrl: opts.env.SLACK_API_URL,
        logger,
        enqueueDiagnosis: (req) => queue.enqueue(req),
        // `/etcd why-slow` is written to the command intake (one small script), drained by the workers.
        enqueueCommand: (req) => commandIntake.enqueue(req),
        enqueueHandoff: (req) => handoffQueue.enqueue(req),
        enqueueHome: (userId, clusters) => homeQueue.enqueue(userId, clusters),
        readStatus: (clusters) => readStatusLines({ config: opts.config, store: new WatchStore(queueConn, envelopePrefix), timeline: frontTimeline }, clusters),
        recordAction: (e) => frontTimeline.append([e]),
        buttons: {
          // A click Slack delivers twice (same action_ts, user and button) acts once, on any replica.
          claimClick: async (key: string) => (await queueConn.set(`${envelopePrefix}:slack-click:${key}`, '1', 'EX', 3600, 'NX')) === 'OK',
          alertWindowSeconds: parseDuration(am?.triageWindow ?? opts.config.defaults.window) ?? 900,
          queryRecords: new QueryRecordStore(queueConn, { prefix: envelopePrefix }),
          ...(alertFollowUps === undefined ? {} : { alerts: { store: new IncidentStore(queueConn, { prefix: envelopePrefix, historyDays: am?.historyDays ?? 14 }), requestDelivery: (d) => alertFollowUps.requestDelivery(d) } }),
        },
        onCommand: (e) => metrics.commandsReceived.inc({ command: e.subcommand, outcome: e.reason ?? e.outcome }),
      });
      const listen = { host: opts.host ?? opts.config.server.host, port: opts.port ?? opts.env.PORT ?? opts.config.server.port };
      const server: RunningSlackServer =
        slackMode === 'socket' ? await startSocketModeFront(app, listen, frontRoutes) : await startSlackServer(app, listen);
      stops.unshift(() => server.stop());
      result.url = server.url;
      result.port = server.port;
      result.queue = queue;
      logger.info({ url: server.url, slackMode }, slackMode === 'socket' ? 'HTTP front listening; Slack through Socket Mode' : 'HTTP front listening');
    }

    if (mode === 'worker' || mode === 'start') {
      const botToken = opts.env.SLACK_BOT_TOKEN;
      if (!botToken) throw new CliError('SLACK_BOT_TOKEN is not set: the worker posts to Slack', EXIT.config);
      const prometheus = new PrometheusRegistry(opts.config);
      // One set of log sources per cluster, shared by every job of this process.
      const collectLogs = createLogCollector(opts.config);
      const workerConn = connectRedis(opts.env, 'worker');
      connections.push(workerConn);
      // New messages are paced by the Redis pacer below, shared with alert threads across processes;
      // the client's own in-process pacer would only add a second wait.
      const slack = new SlackDelivery({ botToken, slackApiUrl: opts.env.SLACK_API_URL, logger, pacer: new ChannelPacer({ intervalMs: 0 }) });
      const timelineConn = connectRedis(opts.env, 'timeline');
      // Not a BullMQ connection, so nobody else listens: an outage must be logged, not an unhandled event.
      timelineConn.on('error', (err: Error) => logger.debug({ err: err.message }, 'timeline connection error'));
      connections.push(timelineConn);
      const prefix = opts.prefix ?? DEFAULT_PREFIX;
      const timeline = new TimelineStore(timelineConn, { prefix, ...opts.config.handoff });
      const paced = pacedPoster(slack, new RedisChannelPacer(timelineConn, prefix));
      result.timeline = timeline;
      const worker = startDiagnoseWorker({
        timeline,
        queryRecords: new QueryRecordStore(timelineConn, { prefix }),
        connection: workerConn,
        prefix: opts.prefix,
        concurrency: opts.config.jobs.concurrency,
        stalledSeconds: opts.config.jobs.stalledSeconds,
        deps: { config: opts.config, playbooks: opts.playbooks, prometheus, collectLogs },
        slack: paced,
        logger,
        metrics,
      });
      // Closing waits for running jobs; a job cut short by a kill is retried by BullMQ's stalled check.
      stops.unshift(async () => {
        await worker.close();
        await Promise.all([prometheus.close(), collectLogs.close()]);
      });
      result.worker = worker;
      active.track(worker);

      // Slash commands the front accepted into the command intake become diagnose jobs here.
      const drainConn = connectRedis(opts.env, 'command-drain');
      const drainQueueConn = connectRedis(opts.env, 'command-drain-queue');
      connections.push(drainConn, drainQueueConn);
      const drainQueue = new DiagnoseQueue({ connection: drainQueueConn, prefix: opts.prefix, dedupeSeconds: opts.config.jobs.dedupeSeconds, attempts: opts.config.jobs.attempts });
      drainQueue.queue.on('error', (err) => logger.debug({ err: err.message }, 'command drain queue connection error'));
      const drain = startCommandDrain({ connection: drainConn, queue: drainQueue, prefix, logger });
      stops.unshift(async () => {
        await drain.stop();
        await drainQueue.close();
      });

      // Handoffs: the consumer, and the schedules (every worker upserts the same ones; BullMQ makes one job per tick).
      // Also checked when the file is loaded; a config built in code gets the same check here.
      const problems = handoffProblems(opts.config);
      if (problems.length > 0) throw new CliError(problems.join('; '), EXIT.config);
      const handoffConn = connectRedis(opts.env, 'handoff');
      const schedulerConn = connectRedis(opts.env, 'handoff-schedules');
      connections.push(handoffConn, schedulerConn);
      const handoffWorker = startHandoffWorker({
        connection: handoffConn,
        prefix: opts.prefix,
        stalledSeconds: opts.config.jobs.stalledSeconds,
        deps: {
          config: opts.config,
          playbooks: opts.playbooks,
          prometheus,
          timeline,
          threads: new IncidentStore(timelineConn, { prefix, historyDays: opts.config.alertmanager?.historyDays ?? 14 }),
          permalink: (channel, ts) => slack.getPermalink(channel, ts),
        },
        slack: paced,
        logger,
        metrics,
      });
      const schedules = new HandoffQueue(schedulerConn, opts.prefix, (err) => logger.debug({ err: err.message }, 'handoff schedule connection error'));
      const scheduleIds = await schedules.syncSchedules(opts.config);
      if (scheduleIds.length > 0) logger.info({ schedules: scheduleIds }, 'handoff schedules in place');
      stops.unshift(async () => {
        await handoffWorker.close();
        await schedules.close();
      });
      result.handoffWorker = handoffWorker;
      active.track(handoffWorker);

      // Early warning: the schedulers of the watched clusters (reconciled) and their consumer.
      const watch = await startWatch({
        config: opts.config,
        run: { config: opts.config, playbooks: opts.playbooks, prometheus, collectLogs },
        connect: (purpose) => {
          const c = connectRedis(opts.env, purpose);
          connections.push(c);
          return c;
        },
        store: timelineConn,
        prefix,
        timeline,
        slack: paced,
        publishHome: (userId, view) => slack.publishHome(userId, view),
        metrics,
        logger,
      });
      stops.unshift(() => watch.close());
      for (const w of watch.workers) active.track(w);

      if (opts.config.alertmanager !== undefined) {
        const pipeline = startAlertPipeline({
          config: opts.config,
          alertmanager: opts.config.alertmanager,
          playbooks: opts.playbooks,
          prometheus,
          collectLogs,
          redisUrl,
          prefix: opts.prefix,
          botToken,
          slackApiUrl: opts.env.SLACK_API_URL,
          metrics,
          logger,
        });
        // Stopped before the diagnose worker's Prometheus pool closes (stops run first to last).
        stops.unshift(() => pipeline.stop());
        result.alerts = pipeline;
        for (const w of pipeline.workers) active.track(w);
      }

      // A worker on its own (split deployments) serves /healthz, /readyz and /metrics when given a port
      // (--port or PORT): probes and scrapes reach it like the front. Without one it listens on nothing, so
      // several workers on one host do not compete for server.port.
      const workerPort = mode === 'worker' ? (opts.port ?? opts.env.PORT) : undefined;
      if (workerPort !== undefined) {
        const server = stoppableServer(
          await listenOn(createRouteServer(healthRoutes({ metrics, redisPing: () => readiness(workerConn) })), {
            host: opts.host ?? opts.config.server.host,
            port: workerPort,
          }),
        );
        stops.unshift(() => server.stop());
        result.url = server.url;
        result.port = server.port;
        logger.info({ url: server.url }, 'worker health and metrics listening');
      }
    }
  }
}
