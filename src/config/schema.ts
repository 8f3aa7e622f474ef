import { z } from 'zod';
import { durationText } from './duration-schema.js';
import { handoffSchema, HANDOFF_DEFAULTS } from './handoff-schema.js';
import { clusterWatchSchema, watchSchema, WATCH_DEFAULTS } from './watch-schema.js';

/**
 * The configuration file: which clusters exist, where their Prometheus is, which label selector picks
 * their etcd members, who may query them from Slack, and where their logs live.
 * Secrets are never written here: the file names environment variables that hold them.
 */

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable (letters, digits, _)');

/** Prometheus label names, per the data model: user text never becomes a label name. */
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a valid Prometheus label name');

const prometheusAuthSchema = z.union([
  z.strictObject({ bearerTokenEnv: envVarName }),
  z.strictObject({ basic: z.strictObject({ usernameEnv: envVarName, passwordEnv: envVarName }) }),
]);

/**
 * Extra request headers, e.g. `X-Scope-OrgID` for a Mimir/Cortex/Loki tenant. A value is written as
 * text, or `{ valueEnv: NAME }` when it is a secret that belongs in the environment. The headers the
 * client sets itself (auth, content negotiation, framing) cannot be overridden here.
 */
const RESERVED_HEADERS = ['authorization', 'content-type', 'content-length', 'accept', 'host', 'transfer-encoding', 'connection'];
export const extraHeadersSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name such as X-Scope-OrgID')
    .refine((h) => !RESERVED_HEADERS.includes(h.toLowerCase()), {
      error: `is set by etcd-triage itself (${RESERVED_HEADERS.join(', ')}); use auth: for credentials`,
    }),
  z.union([
    z.string().regex(/^[^\r\n]*$/, 'must be one line'),
    z.strictObject({ valueEnv: envVarName }),
  ]),
);

/** Query parameters the client sets itself; the rest of a query's parameters come from `queryParams`. */
const RESERVED_QUERY_PARAMS = ['query', 'time', 'start', 'end', 'step', 'dedup', 'partial_response'];

export const prometheusSchema = z.strictObject({
  /**
   * Base URL of the Prometheus HTTP API, with the path prefix the backend serves it under:
   * `https://mimir/prometheus`, `http://vmselect:8481/select/0/prometheus`. `/api/v1/...` is appended.
   */
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://prometheus:9090' })
    .refine((u) => !u.includes('?') && !u.includes('#'), {
      error: 'must not carry a query string or fragment: put query parameters in queryParams (or thanos:)',
    }),
  /**
   * The Prometheus URL a browser reaches (e.g. https://prometheus.example.com), for links in Slack; the
   * `url` the bot queries is often cluster-internal. Without it, "Show queries" lists no graph links.
   */
  externalUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL people open Prometheus at' }).optional(),
  auth: prometheusAuthSchema.optional(),
  /** PEM file with the CA that signed the Prometheus server certificate. */
  caFile: z.string().min(1).optional(),
  /** Client certificate and its key (PEM files) for a server that requires mutual TLS. */
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  headers: extraHeadersSchema.default({}),
  /** Extra parameters sent with every query, e.g. VictoriaMetrics' `extra_label` or `nocache`. */
  queryParams: z
    .record(
      z.string().refine((p) => !RESERVED_QUERY_PARAMS.includes(p), {
        error: `is set by etcd-triage itself (${RESERVED_QUERY_PARAMS.join(', ')}; dedup and partial_response come from thanos:)`,
      }),
      z.string(),
    )
    .default({}),
  /**
   * Thanos Query: `dedup` merges replicas (by the querier's replica labels); `partialResponse: true`
   * accepts answers with a store missing, and every such answer is reported with the diagnosis as partial
   * evidence. With `false` (the default) Thanos fails the query instead, and the check says so.
   */
  thanos: z
    .strictObject({
      dedup: z.boolean().default(true),
      partialResponse: z.boolean().default(false),
    })
    .optional(),
  /** Hard deadline for one query, in milliseconds. */
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
  /** Upper bound on concurrent connections to this origin: never make an incident worse. */
  maxConnections: z.number().int().min(1).max(64).default(4),
  /**
   * Largest answer read for one query, in bytes. The answers are a few series per etcd member; a
   * selector that matches a whole fleet's targets would otherwise be read into memory in full, query
   * after query, until the worker is killed for it. Past this the query fails and says why.
   */
  maxResponseBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
}).refine((p) => (p.certFile === undefined) === (p.keyFile === undefined), {
  error: 'a client certificate needs both certFile and keyFile',
  path: ['certFile'],
});

const fileLogSourceSchema = z.strictObject({
  type: z.literal('file'),
  /** Path of one member's log file. */
  path: z.string().min(1),
  /** Which member (value of the member label, e.g. instance) wrote this file. */
  member: z.string().min(1),
  /** How lines are wrapped; `auto` detects per line. journald = `journalctl -o json` output. */
  format: z.enum(['auto', 'zap', 'capnslog', 'cri', 'docker', 'journald']).default('auto'),
});

const kubernetesLogSourceSchema = z.strictObject({
  type: z.literal('kubernetes'),
  apiUrl: z.url({ protocol: /^https?$/ }),
  namespace: z.string().min(1).default('kube-system'),
  /** Pod name per member: member label value → pod name. */
  pods: z.record(z.string().min(1), z.string().min(1)),
  container: z.string().min(1).default('etcd'),
  tokenEnv: envVarName.optional(),
  caFile: z.string().min(1).optional(),
});

const lokiLogSourceSchema = z.strictObject({
  type: z.literal('loki'),
  url: z.url({ protocol: /^https?$/ }),
  /** LogQL stream selector that picks this cluster's etcd logs, e.g. {namespace="kube-system",container="etcd"}. */
  selector: z.string().min(2).regex(/^\{.*\}$/, 'must be a LogQL stream selector in braces'),
  /** The stream label that names the member (e.g. pod), mapped to member label values below. */
  memberLabel: labelName.default('pod'),
  members: z.record(z.string().min(1), z.string().min(1)).optional(),
  tenantEnv: envVarName.optional(),
  auth: prometheusAuthSchema.optional(),
  /** Extra request headers, as for Prometheus (e.g. a proxy's own header). */
  headers: extraHeadersSchema.optional(),
});

export const logSourceSchema = z.discriminatedUnion('type', [
  fileLogSourceSchema,
  kubernetesLogSourceSchema,
  lokiLogSourceSchema,
]);

/**
 * How a member is tied to its node's node_exporter series (one query per node signal; the answers are
 * mapped onto members in code). A member whose node cannot be found is reported, never guessed.
 * - host: the host part of an address (10.0.0.11:2379 ↔ 10.0.0.11:9100). memberLabel names the etcd
 *   target label holding the member's address (default: the cluster's memberLabel); nodeLabel the
 *   node_exporter label holding the node's (default instance).
 * - label: the etcd target and node_exporter carry the same value in a label (e.g. node). nodeLabel
 *   defaults to memberLabel.
 * - nodename: the etcd target's memberLabel holds the node's hostname, matched to node_uname_info's nodename.
 * - map: member label value → the node's nodeLabel value, written out.
 */
/** The etcd target label that holds what identifies the member's node. */
const memberNodeLabel = z
  .string({ error: 'must name the etcd target label that holds the node (e.g. node)' })
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a valid Prometheus label name');

export const nodeMatchSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('host'), memberLabel: labelName.optional(), nodeLabel: labelName.default('instance') }),
  z.strictObject({ by: z.literal('label'), memberLabel: memberNodeLabel, nodeLabel: labelName.optional() }),
  z.strictObject({ by: z.literal('nodename'), memberLabel: memberNodeLabel }),
  z.strictObject({
    by: z.literal('map'),
    members: z.record(z.string().min(1), z.string().min(1)).refine((m) => Object.keys(m).length > 0, 'needs at least one member: node entry'),
    nodeLabel: labelName.default('instance'),
  }),
], { error: 'must say how members find their node: by: host, label, nodename or map' });

export const nodeExporterSchema = z.strictObject({
  /** Label matchers (exact values) of node_exporter on the etcd nodes: {job: node-exporter} under kube-prometheus-stack. */
  selector: z
    .record(labelName, z.string())
    .refine((m) => Object.keys(m).length > 0, 'needs at least one label, e.g. job: node-exporter'),
  match: nodeMatchSchema.default({ by: 'host', nodeLabel: 'instance' }),
  /** The block device under etcd's data dir as node_exporter names it (e.g. nvme0n1); default: each node's busiest device. */
  device: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be a block device name as node_exporter reports it, such as nvme0n1 or sda')
    .optional(),
});

export const clusterSchema = z.strictObject({
  description: z.string().optional(),
  prometheus: prometheusSchema,
  /** Label matchers (exact values) that select this cluster's etcd members: {job: kube-etcd} under kube-prometheus-stack. */
  selector: z
    .record(labelName, z.string())
    .refine((m) => Object.keys(m).length > 0, 'needs at least one label, e.g. job: kube-etcd (kube-prometheus-stack) or job: etcd'),
  /** The target label that names a member. The etcd mixin uses instance. */
  memberLabel: labelName.default('instance'),
  /** node_exporter on the etcd nodes, when there is one: which series, and how each member finds its node's. */
  nodeExporter: nodeExporterSchema.optional(),
  /** How members are named in every text; the member label's value (e.g. the address) stays in the JSON. */
  members: z
    .strictObject({
      /** A target label with a name people know, e.g. pod or node; a member without it keeps its member label value. */
      displayLabel: labelName.optional(),
    })
    .optional(),
  slack: z
    .strictObject({
      /** Channel IDs (C0123…) or names (#etcd-oncall) allowed to query this cluster. */
      channels: z.array(z.string().min(1)).min(1),
      /** Optional user group IDs (S0123…); when set, only members of one of them may run commands. */
      userGroups: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  logs: z.array(logSourceSchema).default([]),
  /** Where this cluster's Alertmanager notifications go and which alert labels pick it. */
  alerts: z
    .strictObject({
      /** Channel ID for alert threads; default: the first of slack.channels. */
      channel: z.string().min(1).optional(),
      /** Exact label values an alert must carry to belong here; default: the selector. */
      match: z.record(labelName, z.string()).optional(),
    })
    .optional(),
  /** Alertmanager API base URL whose silences the handoff lists for this cluster; default handoff.alertmanagerApiUrl. */
  alertmanagerApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Facts about the members that tuning commands need (ports, network interface). */
  tuning: z
    .strictObject({
      clientPort: z.number().int().min(1).max(65535).default(2379),
      peerPort: z.number().int().min(1).max(65535).default(2380),
      /** Network interface carrying peer traffic, for the tc commands. */
      interface: z.string().regex(/^[a-zA-Z0-9_.:-]{1,15}$/, 'must be a network interface name').default('eth0'),
    })
    .default({ clientPort: 2379, peerPort: 2380, interface: 'eth0' }),
  /** Early warning for this cluster: overrides the global `watch:` fields it sets. */
  watch: clusterWatchSchema.optional(),
});

const webhookAuthSchema = z.union([
  z.strictObject({ tokenEnv: envVarName }),
  z.strictObject({ basic: z.strictObject({ usernameEnv: envVarName, passwordEnv: envVarName }) }),
]);

/** The Alertmanager webhook (POST, Alertmanager's webhook_config) and what happens to its alerts. */
export const alertmanagerSchema = z
  .strictObject({
    path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a URL path such as /alertmanager').default('/alertmanager'),
    /** Bearer token or basic auth, named by environment variable; the webhook refuses anything else. */
    auth: webhookAuthSchema,
    /** Bodies over this size are refused with 413. */
    maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    /** Alerts kept per notification; the rest are counted as truncated (Alertmanager's max_alerts idea). */
    maxAlertsPerNotification: z.number().int().min(1).max(100_000).default(1000),
    /** Alert labels whose value, when it is a configured cluster name, picks that cluster directly. */
    clusterLabels: z.array(labelName).default(['cluster']),
    /** Channel for alerts that match no cluster. */
    fallbackChannel: z.string().min(1).optional(),
    /** Drop (and count) alerts that match no cluster instead of posting them to fallbackChannel. */
    dropUnmatched: z.boolean().default(false),
    /** Length of the window the triage looks at, ending when it runs. */
    triageWindow: durationText.default('15m'),
    /** Triage requests for one cluster within this many seconds share one evidence collection. */
    shareEvidenceSeconds: z.number().int().min(0).max(300).default(10),
    /** A group firing again within this time after resolving reopens its thread; later it gets a new one. */
    reopenWithin: durationText.default('1h'),
    /** Incident history (events per group) is kept this long, for handoffs. */
    historyDays: z.number().int().min(1).max(90).default(14),
    /** Alert intake, triage and Slack delivery jobs run at once per worker process. */
    concurrency: z.number().int().min(1).max(64).default(8),
  })
  .refine((a) => a.fallbackChannel !== undefined || a.dropUnmatched, {
    message: 'alerts that match no cluster need a home: set fallbackChannel, or dropUnmatched: true to drop (and count) them',
    path: ['fallbackChannel'],
  });

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(1).max(65535).default(3000),
      /**
       * SIGTERM/SIGINT: how long running jobs may take to finish before they are handed back to the queue
       * and the process exits 1. Below Kubernetes' default 30 s grace period, which ends in SIGKILL.
       */
      shutdownTimeoutSeconds: z.number().min(1).max(600).default(25),
      /**
       * `start` only: the CPU priority of its worker process. `idle` (SCHED_IDLE): the worker uses every
       * cycle nobody else wants and yields the core at once to the front answering Slack; in a container
       * that orders only the pod's own processes. `nice`: niceness 10 only, for a host shared with other
       * busy services, where an idle-policy worker would wait behind all of them.
       */
      workerPriority: z.enum(['idle', 'nice']).default('idle'),
    })
    .default({ host: '0.0.0.0', port: 3000, shutdownTimeoutSeconds: 25, workerPriority: 'idle' }),
  /**
   * How Slack reaches the bot: `http` (Slack calls /slack/commands, /slack/actions… over HTTPS, verified
   * with SLACK_SIGNING_SECRET) or `socket` (the bot connects out to Slack with SLACK_APP_TOKEN; no inbound
   * Slack endpoint). The HTTP server serves /alertmanager, /healthz, /readyz and /metrics either way.
   */
  slack: z
    .strictObject({
      mode: z.enum(['http', 'socket']).default('http'),
    })
    .default({ mode: 'http' }),
  defaults: z
    .strictObject({
      window: durationText.default('15m'),
    })
    .default({ window: '15m' }),
  jobs: z
    .strictObject({
      /** Identical requests within this many seconds share one diagnosis job. */
      dedupeSeconds: z.number().int().min(0).max(3600).default(30),
      attempts: z.number().int().min(1).max(20).default(3),
      /** Diagnosis jobs running at once per worker process. */
      concurrency: z.number().int().min(1).max(64).default(4),
      /**
       * Every queue's job lock and stalled-job check: a job whose worker died (OOM, node lost) is taken
       * over by another worker within one to two of these. BullMQ's default; lower it to recover sooner,
       * as long as no job blocks its process for this long.
       */
      stalledSeconds: z.number().int().min(5).max(600).default(30),
    })
    .default({ dedupeSeconds: 30, attempts: 3, concurrency: 4, stalledSeconds: 30 }),
  playbooksDir: z.string().optional(),
  /** Alert auto-triage; absent means no webhook is served. */
  alertmanager: alertmanagerSchema.optional(),
  /** Incident timeline retention and on-call handoffs (on demand and scheduled). */
  handoff: handoffSchema.default(HANDOFF_DEFAULTS),
  /** Early warning: a cheap evaluation per cluster per interval, a thread before any alert fires. */
  watch: watchSchema.default(WATCH_DEFAULTS),
  clusters: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-_.]{0,62}$/, 'cluster names are lower-case letters, digits, - _ .'),
      clusterSchema,
    )
    .refine((c) => Object.keys(c).length > 0, 'declare at least one cluster'),
});

export type Config = z.infer<typeof configSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type PrometheusConfig = z.infer<typeof prometheusSchema>;
export type AlertmanagerConfig = z.infer<typeof alertmanagerSchema>;
export type LogSourceConfig = z.infer<typeof logSourceSchema>;
export type NodeMatchConfig = z.infer<typeof nodeMatchSchema>;
