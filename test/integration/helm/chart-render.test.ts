import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, findObject, helm, renderChart, type RenderedObject } from '../../support/helm.js';
import {
  ciValues,
  ciValuesFile,
  deployment,
  envNames,
  envVar,
  renderedConfigText,
  VALUES_SETS,
  withValues,
  type Container,
} from './chart-fixtures.js';
import { schemaProblems } from './validate-objects.js';

/**
 * The chart as `helm lint` and `helm template` (the real helm binary) render it for each kind of install,
 * every object checked against the Kubernetes and prometheus-operator API schemas, and the structure users
 * rely on: the config check before start, the locked-down pods, the probes, Redis, RBAC only when needed.
 */

const kinds = (objs: RenderedObject[]): string[] => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();

const REQUIRED_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 10001,
  capabilities: { drop: ['ALL'] },
};

function expectLockedDown(c: Container): void {
  expect(c.securityContext).toMatchObject(REQUIRED_SECURITY);
  expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/etcd-triage', readOnly: true });
  expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
}

describe('helm lint', () => {
  it.each(VALUES_SETS)('passes --strict with the %s values', (set) => {
    const res = helm(['lint', '--strict', CHART_DIR, '--values', ciValuesFile(set)]);
    expect(res.stderr + res.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(res.code).toBe(0);
  });
});

describe('rendered objects are valid Kubernetes objects', () => {
  const variants: Array<[string, Record<string, unknown>]> = [
    ...VALUES_SETS.map((s): [string, Record<string, unknown>] => [s, ciValues(s)]),
    ['http, monitoring off', withValues(ciValues('http-external-redis'), {
      serviceMonitor: { enabled: false }, prometheusRule: { enabled: false }, alertmanagerConfig: { enabled: false }, ingress: { enabled: false },
    })],
    ['split with bundled Redis and basic-auth webhook', withValues(ciValues('split-kube-logs'), {
      redis: { existingSecret: '', bundled: { enabled: true } },
      secrets: { env: { AM_USER: { key: 'am-user' }, AM_PASSWORD: { key: 'am-password' } } },
      config: { alertmanager: { auth: { basic: { usernameEnv: 'AM_USER', passwordEnv: 'AM_PASSWORD' } }, dropUnmatched: true } },
      alertmanagerConfig: { enabled: true }, prometheusRule: { enabled: true },
    })],
  ];
  it.each(variants)('%s', (_name, values) => {
    const objs = renderChart(values);
    expect(objs.length).toBeGreaterThan(3);
    expect(schemaProblems(objs)).toEqual([]);
  });

  it('the validation catches a wrong object (the check itself can fail)', () => {
    const objs = renderChart(ciValues('http-external-redis'));
    const d = findObject(objs, 'Deployment') as RenderedObject & { spec: { replicas: unknown } };
    d.spec.replicas = 'two';
    expect(schemaProblems(objs).join('\n')).toMatch(/Deployment\/etcd-triage: .*replicas must be integer/);
  });

  it('the validation catches a misspelt field, which the API would refuse', () => {
    const objs = renderChart(ciValues('split-kube-logs'));
    const d = findObject(objs, 'Deployment', 'etcd-triage-workers') as RenderedObject & {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    d.spec.template.spec.containers[0]!['readinesProbe'] = { httpGet: { path: '/readyz', port: 'http' } };
    const sm = findObject(objs, 'ServiceMonitor') as RenderedObject & { spec: { endpoints: Array<Record<string, unknown>> } };
    sm.spec.endpoints[0]!['intervall'] = '30s';
    expect(schemaProblems(objs)).toEqual([
      'Deployment/etcd-triage-workers.spec.template.spec.containers[0].readinesProbe: unknown field (not in IContainer)',
      'ServiceMonitor/etcd-triage.spec.endpoints[0].intervall: unknown field (not in IEndpoint)',
    ]);
  });
});

describe('HTTP mode, external Redis, one combined Deployment', () => {
  const objs = renderChart(ciValues('http-external-redis'));
  const d = deployment(objs, 'etcd-triage');

  it('renders the objects of this kind of install and nothing else', () => {
    expect(kinds(objs)).toEqual([
      'AlertmanagerConfig/etcd-triage',
      'ConfigMap/etcd-triage',
      'Deployment/etcd-triage',
      'Ingress/etcd-triage',
      'PrometheusRule/etcd-triage',
      'Service/etcd-triage',
      'ServiceAccount/etcd-triage',
      'ServiceMonitor/etcd-triage',
    ]);
  });

  it('checks the config in an init container before `start` runs, with the same config and environment', () => {
    expect(d.init.name).toBe('check-config');
    expect(d.init.args).toEqual(['check-config', '--config', '/etc/etcd-triage/config.yaml']);
    expect(d.main.args).toEqual(['start', '--config', '/etc/etcd-triage/config.yaml']);
    expect(d.init.image).toBe(d.main.image);
    expect(envNames(d.init)).toEqual(envNames(d.main));
    expect(d.replicas).toBe(1);
  });

  it('runs locked down: non-root 10001, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, /tmp an emptyDir', () => {
    expect(d.pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expectLockedDown(d.main);
    expectLockedDown(d.init);
    expect(d.pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
    expect(d.pod.terminationGracePeriodSeconds).toBe(30);
    // No Kubernetes log source: the pod gets no API token.
    expect(d.pod.automountServiceAccountToken).toBe(false);
  });

  it('probes /healthz for liveness and /readyz for readiness on the config port', () => {
    expect(d.main.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(d.main.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(d.main.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('takes every secret from a Secret by key, the signing secret but no app token, Redis by URL', () => {
    expect(envVar(d.main, 'SLACK_BOT_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'etcd-triage', key: 'slack-bot-token' });
    expect(envVar(d.main, 'SLACK_SIGNING_SECRET')?.valueFrom?.secretKeyRef).toEqual({ name: 'etcd-triage', key: 'slack-signing-secret' });
    expect(envVar(d.main, 'ETCD_TRIAGE_WEBHOOK_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'etcd-triage', key: 'webhook-token' });
    expect(envVar(d.main, 'PROM_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'prometheus-reader', key: 'token' });
    expect(envVar(d.main, 'SLACK_APP_TOKEN')).toBeUndefined();
    expect(envVar(d.main, 'REDIS_URL')?.value).toBe('redis://redis-master.redis.svc:6379/0');
    // No secret value anywhere in the rendered objects, the config included.
    for (const e of d.main.env) if (e.name.includes('TOKEN') || e.name.includes('SECRET')) expect(e.value).toBeUndefined();
    expect(renderedConfigText(objs)).not.toMatch(/xox|xapp/);
  });

  it('mounts extra volumes in both containers, so the config check sees the same files (a Prometheus CA)', () => {
    const objs2 = renderChart(withValues(ciValues('http-external-redis'), {
      extraVolumes: [{ name: 'prometheus-ca', configMap: { name: 'prometheus-ca' } }],
      extraVolumeMounts: [{ name: 'prometheus-ca', mountPath: '/etc/prometheus-ca', readOnly: true }],
    }));
    expect(schemaProblems(objs2)).toEqual([]);
    const d2 = deployment(objs2, 'etcd-triage');
    expect(d2.pod.volumes).toContainEqual({ name: 'prometheus-ca', configMap: { name: 'prometheus-ca' } });
    for (const c of [d2.init, d2.main]) expect(c.volumeMounts).toContainEqual({ name: 'prometheus-ca', mountPath: '/etc/prometheus-ca', readOnly: true });
  });

  it('rolls the pods when the config changes, and only then', () => {
    const again = deployment(renderChart(ciValues('http-external-redis')), 'etcd-triage');
    expect(again.annotations['checksum/config']).toBe(d.annotations['checksum/config']);
    const changed = deployment(
      renderChart(withValues(ciValues('http-external-redis'), { config: { jobs: { concurrency: 2 } } })),
      'etcd-triage',
    );
    expect(d.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(changed.annotations['checksum/config']).not.toBe(d.annotations['checksum/config']);
  });

  it('fills a cluster from the kube-prometheus-stack defaults, keeping what the cluster sets', () => {
    const config = parse(renderedConfigText(objs)) as { clusters: Record<string, Record<string, unknown>>; slack?: unknown };
    expect(config.clusters['control-plane']).toMatchObject({
      prometheus: { url: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090', auth: { bearerTokenEnv: 'PROM_TOKEN' } },
      selector: { job: 'kube-etcd' },
      memberLabel: 'instance',
      nodeExporter: { selector: { job: 'node-exporter' } },
    });
    const own = renderChart(withValues(ciValues('http-external-redis'), {
      config: { clusters: { 'control-plane': { selector: { app: 'etcd' } } } },
    }));
    const ownConfig = parse(renderedConfigText(own)) as { clusters: Record<string, { selector: unknown }> };
    expect(ownConfig.clusters['control-plane']!.selector).toEqual({ app: 'etcd' });
    // HTTP is the bot's default mode: nothing about Slack's transport in the file.
    expect(config.slack).toBeUndefined();
  });

  it('routes only /slack/ and the webhook path through the Ingress', () => {
    const ing = findObject(objs, 'Ingress') as RenderedObject & {
      spec: { ingressClassName: string; rules: Array<{ host: string; http: { paths: Array<{ path: string; pathType: string }> } }> };
    };
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.rules[0]!.host).toBe('etcd-triage.example.com');
    expect(ing.spec.rules[0]!.http.paths.map((p) => `${p.pathType} ${p.path}`)).toEqual(['Prefix /slack/', 'Exact /alertmanager']);
  });

  it('scrapes /metrics of the pods behind the Service, labelled for kube-prometheus-stack', () => {
    const svc = findObject(objs, 'Service') as RenderedObject & { spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number }> } };
    const sm = findObject(objs, 'ServiceMonitor') as RenderedObject & {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }>; namespaceSelector: { matchNames: string[] } };
    };
    expect(svc.spec.selector).toEqual(Object.fromEntries(Object.entries(d.podLabels).filter(([k]) => k in svc.spec.selector)));
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('combined');
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels?.[k]).toBe(v);
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect(sm.spec.namespaceSelector.matchNames).toEqual(['monitoring']);
    expect(sm.metadata.labels?.['release']).toBe('kube-prometheus-stack');
  });

  it('routes etcd alerts to the webhook with the token from the Secret (AlertmanagerConfig)', () => {
    const amc = findObject(objs, 'AlertmanagerConfig') as RenderedObject & {
      spec: {
        route: { receiver: string; matchers: unknown[] };
        receivers: Array<{ name: string; webhookConfigs: Array<{ url: string; sendResolved: boolean; maxAlerts: number; httpConfig: { authorization: { credentials: unknown } } }> }>;
      };
    };
    expect(amc.spec.route.matchers).toEqual([{ name: 'alertname', matchType: '=~', value: 'etcd.*' }]);
    const hook = amc.spec.receivers[0]!.webhookConfigs[0]!;
    expect(hook.url).toBe('http://etcd-triage.monitoring.svc:3000/alertmanager');
    expect(hook.sendResolved).toBe(true);
    // The bot keeps 1000 alerts per notification by default; Alertmanager truncates at the same number.
    expect(hook.maxAlerts).toBe(1000);
    expect(hook.httpConfig.authorization.credentials).toEqual({ name: 'etcd-triage', key: 'webhook-token' });
  });
});

describe('Socket Mode, bundled Redis', () => {
  const objs = renderChart(ciValues('socket-bundled-redis'));
  const d = deployment(objs, 'etcd-triage');

  it('renders the bundled Redis and no monitoring objects, Ingress or RBAC', () => {
    expect(kinds(objs)).toEqual([
      'ConfigMap/etcd-triage',
      'Deployment/etcd-triage',
      'NetworkPolicy/etcd-triage-redis',
      'Service/etcd-triage',
      'Service/etcd-triage-redis',
      'ServiceAccount/etcd-triage',
      'StatefulSet/etcd-triage-redis',
    ]);
  });

  it('gives the app-level token, not the signing secret, and says socket in the config', () => {
    expect(envVar(d.main, 'SLACK_APP_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'etcd-triage', key: 'slack-app-token' });
    expect(envVar(d.main, 'SLACK_SIGNING_SECRET')).toBeUndefined();
    expect(envVar(d.init, 'SLACK_SIGNING_SECRET')).toBeUndefined();
    expect((parse(renderedConfigText(objs)) as { slack: unknown }).slack).toEqual({ mode: 'socket' });
  });

  it('points REDIS_URL at the bundled Redis, which persists every write (appendonly) on a volume claim', () => {
    expect(envVar(d.main, 'REDIS_URL')?.value).toBe('redis://etcd-triage-redis:6379');
    const sts = findObject(objs, 'StatefulSet') as RenderedObject & {
      spec: {
        replicas: number;
        volumeClaimTemplates: Array<{ metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }>;
        template: { spec: { securityContext: Record<string, unknown>; containers: Array<{
          args: string[]; ports: Array<{ containerPort: number }>; securityContext: Record<string, unknown>;
          readinessProbe: { exec: { command: string[] } }; livenessProbe: { exec: { command: string[] } };
          volumeMounts: Array<{ name: string; mountPath: string }>;
        }> } };
      };
    };
    const redis = sts.spec.template.spec.containers[0]!;
    expect(sts.spec.replicas).toBe(1);
    expect(redis.args.join(' ')).toContain('--appendonly yes');
    expect(redis.args.join(' ')).toContain('--dir /data');
    expect(redis.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(sts.spec.volumeClaimTemplates[0]!.metadata.name).toBe('data');
    expect(sts.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('2Gi');
    expect(redis.readinessProbe.exec.command.join(' ')).toContain('redis-cli -p 6379 ping');
    expect(redis.livenessProbe.exec.command.join(' ')).toContain('redis-cli -p 6379 ping');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(redis.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const svc = findObject(objs, 'Service', 'etcd-triage-redis') as RenderedObject & { spec: { ports: Array<{ port: number }> } };
    expect(svc.spec.ports[0]!.port).toBe(6379);
  });

  it('lets only the bot pods reach the password-less bundled Redis', () => {
    const np = findObject(objs, 'NetworkPolicy') as RenderedObject & {
      spec: { podSelector: { matchLabels: Record<string, string> }; ingress: Array<{ from: Array<{ podSelector: { matchLabels: Record<string, string> } }> }> };
    };
    expect(np.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('redis');
    expect(np.spec.ingress).toHaveLength(1);
    expect(np.spec.ingress[0]!.from.map((f) => f.podSelector.matchLabels)).toEqual([d.podLabels]);
    const split = renderChart(withValues(ciValues('split-kube-logs'), { redis: { existingSecret: '', bundled: { enabled: true } } }));
    const splitNp = findObject(split, 'NetworkPolicy') as typeof np;
    expect(splitNp.spec.ingress[0]!.from.map((f) => f.podSelector.matchLabels['app.kubernetes.io/component'])).toEqual(['front', 'workers']);
  });
});

describe('front and workers apart, a Kubernetes log source', () => {
  const objs = renderChart(ciValues('split-kube-logs'));
  const front = deployment(objs, 'etcd-triage-front');
  const workers = deployment(objs, 'etcd-triage-workers');

  it('runs `serve` and `worker` with their own replica counts, each checking the config first', () => {
    expect(front.main.args[0]).toBe('serve');
    expect(workers.main.args[0]).toBe('worker');
    expect(front.replicas).toBe(2);
    expect(workers.replicas).toBe(3);
    for (const d of [front, workers]) {
      expect(d.init.args).toEqual(['check-config', '--config', '/etc/etcd-triage/config.yaml']);
      expectLockedDown(d.main);
    }
    expect(objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort()).toEqual(['etcd-triage-front', 'etcd-triage-workers']);
  });

  it('keeps a drain from taking all front or worker pods at once', () => {
    const pdbs = objs.filter((o) => o.kind === 'PodDisruptionBudget') as Array<RenderedObject & {
      spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    }>;
    expect(pdbs.map((p) => [p.metadata.name, p.spec.maxUnavailable])).toEqual([['etcd-triage-front', 1], ['etcd-triage-workers', 1]]);
    expect(pdbs[0]!.spec.selector.matchLabels).toEqual(Object.fromEntries(Object.entries(front.podLabels)));
    expect(pdbs[1]!.spec.selector.matchLabels).toEqual(Object.fromEntries(Object.entries(workers.podLabels)));
  });

  it('sends Slack and webhook traffic to the front only; workers serve health and metrics, and get no Slack signing secret', () => {
    const svc = findObject(objs, 'Service', 'etcd-triage') as RenderedObject & { spec: { selector: Record<string, string> } };
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('front');
    expect(front.podLabels['app.kubernetes.io/component']).toBe('front');
    expect(workers.podLabels['app.kubernetes.io/component']).toBe('workers');
    expect(front.main.readinessProbe?.httpGet?.path).toBe('/readyz');
    // A worker listens only when given a port: its probes and the ServiceMonitor reach it there.
    expect(workers.main.args).toEqual(['worker', '--config', '/etc/etcd-triage/config.yaml', '--port', '3000']);
    expect(workers.main.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 3000 })]);
    expect(workers.main.readinessProbe?.httpGet?.path).toBe('/readyz');
    const workerSvc = findObject(objs, 'Service', 'etcd-triage-workers') as RenderedObject & { spec: { selector: Record<string, string> } };
    expect(workerSvc.spec.selector['app.kubernetes.io/component']).toBe('workers');
    expect(envVar(workers.main, 'SLACK_SIGNING_SECRET')).toBeUndefined();
    expect(envVar(workers.main, 'SLACK_BOT_TOKEN')).toBeDefined();
  });

  it('takes REDIS_URL from the named Secret key', () => {
    for (const d of [front, workers]) {
      expect(envVar(d.main, 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'redis-credentials', key: 'url' });
    }
  });

  it('grants get on the logs of exactly the configured etcd pods, in their namespace, to the bot only', () => {
    const role = findObject(objs, 'Role') as RenderedObject & { rules: unknown[] };
    expect(role.metadata.namespace).toBe('kube-system');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'], resourceNames: ['etcd-master-1', 'etcd-master-2', 'etcd-master-3'] },
    ]);
    const binding = findObject(objs, 'RoleBinding') as RenderedObject & { roleRef: { name: string }; subjects: unknown[] };
    expect(binding.metadata.namespace).toBe('kube-system');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: front.pod.serviceAccountName, namespace: 'monitoring' }]);
  });

  it("fills the source's tokenEnv from the ServiceAccount's token Secret and mounts the API CA", () => {
    const secret = findObject(objs, 'Secret') as RenderedObject & { type: string };
    expect(secret.type).toBe('kubernetes.io/service-account-token');
    expect(secret.metadata.annotations?.['kubernetes.io/service-account.name']).toBe(front.pod.serviceAccountName);
    for (const d of [front, workers]) {
      expect(envVar(d.main, 'KUBE_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: secret.metadata.name, key: 'token' });
      expect(d.pod.automountServiceAccountToken).toBe(true);
    }
  });

  it('renders no Role without a Kubernetes log source', () => {
    const values = ciValues('split-kube-logs');
    const noLogs = renderChart(withValues(values, { config: { clusters: { 'control-plane': { logs: [] } } } }));
    expect(noLogs.filter((o) => ['Role', 'RoleBinding', 'Secret'].includes(o.kind))).toEqual([]);
    expect(deployment(noLogs, 'etcd-triage-workers').pod.automountServiceAccountToken).toBe(false);
    const fileLogs = renderChart(withValues(values, {
      config: { clusters: { 'control-plane': { logs: [{ type: 'file', path: '/var/log/etcd.log', member: 'm1' }] } } },
    }));
    expect(fileLogs.filter((o) => o.kind === 'Role')).toEqual([]);
  });
});
