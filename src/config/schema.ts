import { z } from 'zod';

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

export const prometheusSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://prometheus:9090' }),
  auth: prometheusAuthSchema.optional(),
  /** PEM file with the CA that signed the Prometheus server certificate. */
  caFile: z.string().min(1).optional(),
  /** Hard deadline for one query, in milliseconds. */
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
  /** Upper bound on concurrent connections to this origin: never make an incident worse. */
  maxConnections: z.number().int().min(1).max(64).default(4),
});

const fileLogSourceSchema = z.strictObject({
  type: z.literal('file'),
  /** Path of one member's log file. */
  path: z.string().min(1),
  /** Which member (value of the member label, e.g. instance) wrote this file. */
  member: z.string().min(1),
  format: z.enum(['auto', 'zap', 'capnslog', 'cri', 'docker']).default('auto'),
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
});

export const logSourceSchema = z.discriminatedUnion('type', [
  fileLogSourceSchema,
  kubernetesLogSourceSchema,
  lokiLogSourceSchema,
]);

export const clusterSchema = z.strictObject({
  description: z.string().optional(),
  prometheus: prometheusSchema,
  /** Label matchers (exact values) that select this cluster's etcd members, e.g. {job: etcd}. */
  selector: z
    .record(labelName, z.string())
    .refine((m) => Object.keys(m).length > 0, 'needs at least one label, e.g. job: etcd'),
  /** The target label that names a member. The etcd mixin uses instance. */
  memberLabel: labelName.default('instance'),
  /** Prometheus job of node_exporter on the etcd nodes, when there is one. */
  nodeExporter: z
    .strictObject({ selector: z.record(labelName, z.string()) })
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
});

const durationText = z
  .string()
  .regex(/^\d+[smhd]$/, 'must be a duration such as 15m, 1h or 30s');

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(1).max(65535).default(3000),
    })
    .default({ host: '0.0.0.0', port: 3000 }),
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
    })
    .default({ dedupeSeconds: 30, attempts: 3, concurrency: 4 }),
  playbooksDir: z.string().optional(),
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
export type LogSourceConfig = z.infer<typeof logSourceSchema>;
