import { App, webApi, type CustomRoute, type Receiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { parseWindow } from '../../diagnosis/window.js';
import { slackLogger } from '../../delivery/slack-logger.js';
import type { CommandEvent, EnqueueDiagnosis } from './commands/command-handler.js';
import type { EnqueueHandoff } from './commands/handoff-command.js';
import { registerHandoffActions } from './actions/handoff-actions.js';
import type { ActionEvent } from '../../incidents/timeline/timeline-event.js';
import { registerEtcdCommand, type EtcdCommandOptions } from './commands/etcd-command.js';
import { answerSlashCommand } from './commands/slash-command-answer.js';
import { registerEnvelopeClaim, type ClaimEnvelope } from './envelope-claim.js';
import { createHttpReceiver } from './receivers/http.js';
import { createSocketReceiver } from './receivers/socket.js';
import { registerInteractions } from './actions/interactions.js';
import { registerDiagnosisActions } from './actions/register.js';
import type { ActionDeps } from './actions/click.js';
import { CachedUserGroups, type UserGroupDirectory } from './user-groups.js';
import type { ReadStatus } from './commands/status-command.js';
import { registerHomeTab } from './home-tab.js';

export const DEFAULT_ENDPOINTS = ['/slack/commands', '/slack/events', '/slack/actions'] as const;

export interface SlackAppOptions {
  config: Config;
  botToken: string;
  /** HTTP mode: Slack's requests are verified with it. Exactly one of signingSecret and socket. */
  signingSecret?: string;
  /** Socket Mode: the app-level token, and where envelope ids are claimed across replicas. */
  socket?: { appToken: string; claimEnvelope?: ClaimEnvelope };
  /** Web API base URL, ending in '/'; tests point it at a local stand-in. Default https://slack.com/api/. */
  slackApiUrl?: string;
  /** HTTP mode: POST paths Slack calls (slash commands, events, interactivity). */
  endpoints?: readonly string[];
  /**
   * HTTP mode: raw routes served by the same HTTP server (health, metrics, webhooks); NOT
   * signature-checked. In Socket Mode they are served by the front's own HTTP server (socket-front.ts).
   */
  customRoutes?: CustomRoute[];
  logger: Logger;
  enqueueDiagnosis: EnqueueDiagnosis;
  /**
   * How `/etcd why-slow` enqueues, when not like the buttons (enqueueDiagnosis): the front's cheap durable
   * command intake, drained into the diagnose queue by the workers.
   */
  enqueueCommand?: EnqueueDiagnosis;
  /** HTTP mode: the endpoint Slack sends the slash command to (default /slack/commands, one of `endpoints`). */
  commandPath?: string;
  /** Queues `/etcd handoff`; without it the command answers that handoffs are not available. */
  enqueueHandoff?: EnqueueHandoff;
  /** Answers `/etcd status` from the watch state in Redis; without it the command says it is unavailable. */
  readStatus?: ReadStatus;
  /** Queues the drawing of a user's Home tab (app_home_opened) for the clusters they may see. */
  enqueueHome?: (userId: string, clusters: string[]) => Promise<void>;
  /** Records button actions (e.g. a suggested action marked done) on the incident timeline. */
  recordAction?: (event: ActionEvent) => Promise<void>;
  /**
   * The buttons under diagnosis parents (Re-run, Widen, Show queries, Silence); without this they are
   * acknowledged and do nothing. Clicks are recorded with recordAction.
   */
  buttons?: Pick<ActionDeps, 'claimClick' | 'alertWindowSeconds' | 'queryRecords' | 'alerts'>;
  onCommand?: (event: CommandEvent) => void;
  /** Default '/etcd'. */
  commandName?: string;
  /** Default 2000 ms: leaves room inside Slack's 3 s acknowledgement limit. */
  enqueueTimeoutMs?: number;
  /** Membership lookup for `slack.userGroups`; default: usergroups.users.list, cached for a minute. */
  userGroups?: UserGroupDirectory;
  /** Known bot identity; when absent nothing asks Slack for it (slash commands do not need it). */
  botId?: string;
  botUserId?: string;
}

/**
 * Builds the Bolt app behind the bot's HTTP front.
 *
 * Authorization is a fixed function returning the bot token, not `token:`: with `token:` Bolt calls
 * auth.test in the constructor (an unhandled rejection when Slack is unreachable) or on every request
 * (a Slack round trip inside the 3 s acknowledgement). Our command answers travel in the HTTP response
 * and need no Slack call, so Slack being down never stops the bot from answering.
 */
export function createSlackApp(opts: SlackAppOptions): App {
  const defaultWindow = parseWindow(opts.config.defaults.window);
  if (!defaultWindow.ok) throw new Error(`config defaults.window: ${defaultWindow.reason}`);

  const logger = slackLogger(opts.logger);
  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: opts.slackApiUrl ?? 'https://slack.com/api/',
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 5000,
  };
  const userGroups = opts.userGroups ?? defaultUserGroups(opts.botToken, clientOptions);
  // One `/etcd` for both transports: Bolt's listener (Socket Mode) and the HTTP front's own endpoint.
  const command: EtcdCommandOptions = {
    commandName: opts.commandName ?? '/etcd',
    config: opts.config,
    defaultWindowSeconds: defaultWindow.seconds,
    enqueueDiagnosis: opts.enqueueCommand ?? opts.enqueueDiagnosis,
    ...(opts.enqueueHandoff === undefined ? {} : { enqueueHandoff: opts.enqueueHandoff }),
    ...(opts.readStatus === undefined ? {} : { readStatus: opts.readStatus }),
    userGroups,
    enqueueTimeoutMs: opts.enqueueTimeoutMs ?? 2000,
    logger: opts.logger.child({ component: 'slack-command' }),
    ...(opts.onCommand === undefined ? {} : { onCommand: opts.onCommand }),
  };
  const receiver = createReceiver(opts, logger, command);
  const authorization = {
    botToken: opts.botToken,
    ...(opts.botId === undefined ? {} : { botId: opts.botId }),
    ...(opts.botUserId === undefined ? {} : { botUserId: opts.botUserId }),
  };
  const app = new App({
    receiver,
    authorize: async () => authorization,
    logger,
    clientOptions,
    // No conversation state is used; skip the per-event store lookup.
    convoStore: false,
  });

  if (opts.socket?.claimEnvelope !== undefined) {
    registerEnvelopeClaim(app, opts.socket.claimEnvelope, opts.logger.child({ component: 'slack-socket' }));
  }
  registerEtcdCommand(app, command);
  if (opts.recordAction !== undefined) {
    registerHandoffActions(app, { config: opts.config, record: opts.recordAction, logger: opts.logger.child({ component: 'handoff-actions' }) });
  }
  if (opts.buttons !== undefined) {
    registerDiagnosisActions(app, {
      ...opts.buttons,
      config: opts.config,
      userGroups,
      enqueueDiagnosis: opts.enqueueDiagnosis,
      record: opts.recordAction ?? (async () => undefined),
      defaultWindowSeconds: defaultWindow.seconds,
      logger: opts.logger.child({ component: 'slack-buttons' }),
    });
  }
  if (opts.enqueueHome !== undefined) {
    registerHomeTab(app, { config: opts.config, userGroups, enqueue: opts.enqueueHome, logger: opts.logger.child({ component: 'home-tab' }) });
  }
  // Last: it acknowledges every action, including those handled above.
  registerInteractions(app);

  app.error(async (err) => {
    opts.logger.error({ err }, 'slack listener error');
  });
  return app;
}

/** The transport Slack reaches the bot by: signed HTTPS requests, or the bot's own Socket Mode connection. */
function createReceiver(opts: SlackAppOptions, boltLogger: ReturnType<typeof slackLogger>, command: EtcdCommandOptions): Receiver {
  if (opts.socket !== undefined && opts.signingSecret !== undefined) throw new Error('give either a signing secret (HTTP) or a Socket Mode app token, not both');
  if (opts.socket !== undefined) {
    return createSocketReceiver({
      appToken: opts.socket.appToken,
      boltLogger,
      ...(opts.slackApiUrl === undefined ? {} : { slackApiUrl: opts.slackApiUrl }),
    });
  }
  if (opts.signingSecret === undefined) throw new Error('HTTP mode needs the signing secret');
  return createHttpReceiver({
    signingSecret: opts.signingSecret,
    endpoints: opts.endpoints ?? DEFAULT_ENDPOINTS,
    customRoutes: opts.customRoutes ?? [],
    boltLogger,
    logger: opts.logger,
    command: { path: opts.commandPath ?? '/slack/commands', name: command.commandName, answer: (payload) => answerSlashCommand(payload, command) },
  });
}

function defaultUserGroups(token: string, clientOptions: webApi.WebClientOptions): UserGroupDirectory {
  // Short timeout: this lookup happens before the acknowledgement.
  const client = new webApi.WebClient(token, { ...clientOptions, timeout: 1500 });
  return new CachedUserGroups(async (usergroup) => {
    const res = await client.usergroups.users.list({ usergroup });
    return res.users ?? [];
  });
}
