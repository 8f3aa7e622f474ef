import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Fields the API would refuse as unknown. The models' validate() accepts any extra field, while
 * `kubectl apply` (field validation Strict) and the API server refuse them, so a misspelt field in a
 * template (`readinesProbe`) would pass validate() and fail at install. The model packages describe each
 * type as a TypeScript interface in a .d.ts file; this walks the rendered object along those interfaces.
 */

const NODE_MODULES = resolve(import.meta.dirname, '../../../node_modules');

interface TypeInfo {
  name: string;
  /** Field name → the type's text, e.g. `IIoK8sApiCoreV1Probe`, `Array<IIoK8sApiCoreV1EnvVar>`, `string`. */
  fields: Map<string, string>;
  /** Imported type name → its .d.ts file. */
  imports: Map<string, string>;
}

const cache = new Map<string, TypeInfo>();

function resolveDts(from: string, specifier: string): string | undefined {
  const base = specifier.startsWith('.')
    ? join(dirname(from), specifier)
    : join(NODE_MODULES, specifier);
  const file = base.replace(/\.js$/, '') + '.d.ts';
  return existsSync(file) ? file : undefined;
}

function readType(file: string): TypeInfo {
  const cached = cache.get(file);
  if (cached) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
    const dts = resolveDts(file, m[2]!);
    if (dts !== undefined) imports.set(m[1]!, dts);
  }
  const head = /^export interface (I\w+)(?: extends [\w, ]+)? \{$/m.exec(text);
  if (head === null) throw new Error(`${file}: no exported interface`);
  const fields = new Map<string, string>();
  // Fields sit at four spaces; deeper lines belong to inline types (maps such as labels) and are not walked.
  for (const line of text.slice(head.index + head[0].length).split('\n')) {
    if (line === '}') break;
    const f = /^ {4}"([^"]+)"\??: (.*?);?$/.exec(line);
    if (f) fields.set(f[1]!, f[2]!);
  }
  const info = { name: head[1]!, fields, imports };
  cache.set(file, info);
  return info;
}

function walk(value: unknown, file: string, path: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const type = readType(file);
  for (const [key, child] of Object.entries(value)) {
    const typeText = type.fields.get(key);
    if (typeText === undefined) {
      problems.push(`${path}.${key}: unknown field (not in ${type.name})`);
      continue;
    }
    const element = /^Array<(\w+)>$/.exec(typeText)?.[1];
    const named = element ?? (/^\w+$/.test(typeText) ? typeText : undefined);
    const childFile = named === undefined ? undefined : type.imports.get(named);
    if (childFile === undefined) continue;
    if (element !== undefined && Array.isArray(child)) child.forEach((c, i) => walk(c, childFile, `${path}.${key}[${i}]`, problems));
    else walk(child, childFile, `${path}.${key}`, problems);
  }
}

/** Model .d.ts per apiVersion/kind, relative to node_modules. */
const MODEL_FILES: Record<string, string> = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap.d.ts',
  'v1/Secret': 'kubernetes-models/v1/Secret.d.ts',
  'v1/Service': 'kubernetes-models/v1/Service.d.ts',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount.d.ts',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment.d.ts',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet.d.ts',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress.d.ts',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy.d.ts',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget.d.ts',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role.d.ts',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding.d.ts',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.d.ts',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule.d.ts',
  'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig.d.ts',
};

/** Unknown fields of one rendered object, as "Kind/name.path.field: ..."; undefined when the kind has no model file. */
export function unknownFields(obj: { apiVersion: string; kind: string; metadata?: { name?: string } }): string[] | undefined {
  const rel = MODEL_FILES[`${obj.apiVersion}/${obj.kind}`];
  if (rel === undefined) return undefined;
  const problems: string[] = [];
  walk(obj, join(NODE_MODULES, rel), `${obj.kind}/${obj.metadata?.name ?? '(no name)'}`, problems);
  return problems;
}
