import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import type { RenderedObject } from '../../support/helm.js';
import { unknownFields } from './unknown-fields.js';

/**
 * Validates rendered objects against the Kubernetes API schemas (kubernetes-models) and the
 * prometheus-operator CRD schemas, unknown fields included. An object of a kind the chart is not expected to
 * render is an error too.
 */
type Validator = (obj: RenderedObject) => void;

/** The rendered YAML is untyped data: validate() checks it at run time, which is the point of the test. */
function model<T>(Ctor: new (data: T) => { validate(): void }): Validator {
  return (o) => new Ctor(o as unknown as T).validate();
}

const VALIDATORS: Record<string, Validator> = {
  'v1/ConfigMap': model(ConfigMap),
  'v1/Secret': model(Secret),
  'v1/Service': model(Service),
  'v1/ServiceAccount': model(ServiceAccount),
  'apps/v1/Deployment': model(Deployment),
  'apps/v1/StatefulSet': model(StatefulSet),
  'networking.k8s.io/v1/Ingress': model(Ingress),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'rbac.authorization.k8s.io/v1/Role': model(Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': model(RoleBinding),
  'monitoring.coreos.com/v1/ServiceMonitor': model(ServiceMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': model(PrometheusRule),
  'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': model(AlertmanagerConfig),
};

/** Every problem found, as "Kind/name: message"; empty when all objects are valid. */
export function schemaProblems(objs: RenderedObject[]): string[] {
  const problems: string[] = [];
  for (const obj of objs) {
    const id = `${obj.kind}/${obj.metadata?.name ?? '(no name)'}`;
    const validate = VALIDATORS[`${obj.apiVersion}/${obj.kind}`];
    if (validate === undefined) {
      problems.push(`${id}: no schema known for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      validate(obj);
    } catch (err) {
      problems.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
    problems.push(...(unknownFields(obj) ?? [`${id}: no field list known for ${obj.apiVersion} ${obj.kind}`]));
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(obj.metadata?.name ?? '') || obj.metadata.name.length > 63) {
      problems.push(`${id}: name is not a valid DNS label`);
    }
  }
  return problems;
}
