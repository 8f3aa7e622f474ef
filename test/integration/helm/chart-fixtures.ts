import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, findObject, type RenderedObject } from '../../support/helm.js';

/** The chart's own test values sets (ci/, the chart-testing convention), as data tests can vary. */
export type Values = Record<string, unknown>;

export const VALUES_SETS = ['http-external-redis', 'socket-bundled-redis', 'split-kube-logs'] as const;
export type ValuesSet = (typeof VALUES_SETS)[number];

export function ciValuesFile(name: ValuesSet): string {
  return join(CHART_DIR, 'ci', `${name}-values.yaml`);
}

export function ciValues(name: ValuesSet): Values {
  return parse(readFileSync(ciValuesFile(name), 'utf8')) as Values;
}

/** A deep merge of plain objects (arrays and scalars replace), like helm's values merge. */
export function withValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? withValues(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image: string;
  args: string[];
  env: EnvVar[];
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
  initContainers: Container[];
  containers: Container[];
  volumes: Array<{ name: string; emptyDir?: { sizeLimit?: string }; configMap?: { name: string } }>;
}

export interface DeploymentView {
  name: string;
  replicas: number;
  podLabels: Record<string, string>;
  annotations: Record<string, string>;
  pod: PodSpec;
  main: Container;
  init: Container;
}

/** The parts of a rendered Deployment the tests look at, typed. */
export function deployment(objs: RenderedObject[], name: string): DeploymentView {
  const d = findObject(objs, 'Deployment', name) as RenderedObject & {
    spec: { replicas: number; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } };
  };
  const pod = d.spec.template.spec;
  return {
    name,
    replicas: d.spec.replicas,
    podLabels: d.spec.template.metadata.labels,
    annotations: d.spec.template.metadata.annotations,
    pod,
    main: pod.containers[0]!,
    init: pod.initContainers[0]!,
  };
}

export function envNames(c: Container): string[] {
  return c.env.map((e) => e.name);
}

export function envVar(c: Container, name: string): EnvVar | undefined {
  return c.env.find((e) => e.name === name);
}

/** The config file the chart mounts into the pods. */
export function renderedConfigText(objs: RenderedObject[]): string {
  const cm = findObject(objs, 'ConfigMap') as RenderedObject & { data: Record<string, string> };
  const text = cm.data['config.yaml'];
  if (text === undefined) throw new Error('the ConfigMap has no config.yaml');
  return text;
}

/** A copy of values with the value at a dotted path replaced (undefined: removed), no merging. */
export function setValue(base: Values, path: string, value: unknown): Values {
  const out = structuredClone(base);
  const keys = path.split('.');
  let at: Values = out;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (!isPlainObject(next)) at[k] = {};
    at = at[k] as Values;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return out;
}
