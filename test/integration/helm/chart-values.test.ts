import { describe, expect, it } from 'vitest';
import { helm, templateChart, valuesFile, CHART_DIR } from '../../support/helm.js';
import { ciValues, setValue, withValues, type Values } from './chart-fixtures.js';

/**
 * Bad values are refused by `helm template` (and so by `helm install`, which runs the same checks) with a
 * message that names the value, and nothing is rendered.
 */

const http = (): Values => ciValues('http-external-redis');
const socket = (): Values => ciValues('socket-bundled-redis');
const split = (): Values => ciValues('split-kube-logs');

const cases: Array<[string, Values, RegExp]> = [
  ['an unknown Slack mode', withValues(socket(), { slack: { mode: 'websocket' } }), /slack\.mode: slack\.mode must be one of the following: "http", "socket"/],
  ['zero combined replicas', withValues(http(), { combined: { replicas: 0 } }), /combined\.replicas: Must be greater than or equal to 1/],
  ['zero workers', withValues(split(), { workers: { replicas: 0 } }), /workers\.replicas: Must be greater than or equal to 1/],
  ['replicas as text', withValues(split(), { front: { replicas: 'two' } }), /front\.replicas: Invalid type\. Expected: integer/],
  ['an unknown topology', withValues(http(), { topology: 'both' }), /topology: topology must be one of the following: "combined", "split"/],
  ['no Redis at all', withValues(http(), { redis: { url: '' } }), /redis: one of redis\.url, redis\.existingSecret or redis\.bundled\.enabled=true is required/],
  ['a Redis URL and the bundled Redis', withValues(http(), { redis: { bundled: { enabled: true } } }), /redis: only one of redis\.url, redis\.existingSecret and redis\.bundled\.enabled=true \(several are set\)/],
  ['a Redis URL and a Redis Secret', withValues(split(), { redis: { url: 'redis://r:6379' } }), /redis: only one of redis\.url, redis\.existingSecret/],
  ['a Redis URL that is not redis://', withValues(http(), { redis: { url: 'http://redis:6379' } }), /redis\.url: Does not match pattern/],
  ['no Secret for the Slack tokens', withValues(http(), { secrets: { existingSecret: '' } }), /secrets\.existingSecret: String length must be greater than or equal to 1/],
  ['no cluster in the config', setValue(socket(), 'config.clusters', {}), /config\.clusters: Must have at least 1 properties/],
  ['a cluster name the bot refuses', withValues(socket(), { config: { clusters: { Prod: { slack: { channels: ['#x'] } } } } }), /config\.clusters: Property name of "Prod" does not match/],
  ['a misspelt value', withValues(http(), { serviceMonitor: { enable: true } }), /serviceMonitor: Additional property enable is not allowed/],
  ['an unknown top-level value', withValues(http(), { replicas: 3 }), /Additional property replicas is not allowed/],
  ['an environment variable name with a dash', withValues(http(), { secrets: { env: { 'PROM-TOKEN': { key: 'token' } } } }), /secrets\.env: Property name of "PROM-TOKEN" does not match/],
  ['a secret reference without its key', setValue(http(), 'secrets.env.PROM_TOKEN', { secret: 'prometheus-reader' }), /secrets\.env\.PROM_TOKEN: key is required/],
  ['a config port out of range', withValues(http(), { config: { server: { port: 70000 } } }), /config\.server\.port: Must be less than or equal to 65535/],
  ['a log level the bot does not know', withValues(http(), { logLevel: 'verbose' }), /logLevel: logLevel must be one of the following/],
  // Checks the templates make, beyond the schema:
  ['a config naming a variable nothing provides', setValue(http(), 'secrets.env.PROM_TOKEN', undefined),
    /config\.clusters\.control-plane\.prometheus\.auth\.bearerTokenEnv names the environment variable PROM_TOKEN, which nothing provides/],
  ['a grace period shorter than the shutdown bound', withValues(http(), { terminationGracePeriodSeconds: 20, config: { server: { shutdownTimeoutSeconds: 25 } } }),
    /terminationGracePeriodSeconds \(20\) must exceed config\.server\.shutdownTimeoutSeconds \(25\)/],
  ['an AlertmanagerConfig without a webhook', withValues(socket(), { alertmanagerConfig: { enabled: true } }),
    /alertmanagerConfig\.enabled: the config has no alertmanager section/],
  ['an Ingress with nothing to route', withValues(socket(), { ingress: { enabled: true } }),
    /ingress\.enabled: nothing to route: Socket Mode needs no public URL and the config has no alertmanager webhook/],
  ['Socket Mode set in two places', withValues(http(), { config: { slack: { mode: 'socket' } } }),
    /config\.slack\.mode \(socket\) disagrees with slack\.mode \(http\)/],
];

describe('bad values are refused with the value named', () => {
  it.each(cases)('%s', (_name, values, message) => {
    const res = templateChart(values);
    expect(res.stderr).toMatch(message);
    expect(res.code).not.toBe(0);
    expect(res.stdout).not.toMatch(/kind: Deployment/);
  });

  it('the same values pass once corrected (each case differs from a valid set by the bad value only)', () => {
    for (const values of [http(), socket(), split()]) expect(templateChart(values).code).toBe(0);
  });

  it('helm lint reports the schema problem too', () => {
    const res = helm(['lint', CHART_DIR, '--values', valuesFile(withValues(http(), { slack: { mode: 'rtm' } }))]);
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/slack\.mode/);
  });
});
