import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/errors.js';
import { watchSettings, watchedClusters } from '../../../src/config/watch-settings.js';

const clusters = `
clusters:
  prod:
    prometheus: { url: http://127.0.0.1:9090 }
    selector: { job: etcd }
    slack: { channels: [C0PROD, C0OTHER] }
    alerts: { channel: C0ALERTS }
  staging:
    prometheus: { url: http://127.0.0.1:9090 }
    selector: { job: etcd-staging }
    slack: { channels: [C0STAGING] }
    watch: { enabled: false }
  nochannel:
    prometheus: { url: http://127.0.0.1:9090 }
    selector: { job: etcd-x }
`;

function problems(text: string): string[] {
  try {
    parseConfigText(text, 'etcd-triage.yaml', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('watch config', () => {
  it('is off by default, with a 30 s interval, 2 to open and 4 to recover', () => {
    const c = parseConfigText(clusters, 'f.yaml', {});
    expect(watchedClusters(c)).toEqual([]);
    expect(watchSettings(c, 'prod')).toEqual({ enabled: false, intervalSeconds: 30, channel: 'C0ALERTS', openAfter: 2, recoverAfter: 4, confirmAfterSeconds: 10, rememberSeconds: 86400 });
  });

  it('per-cluster fields override the global section; the channel defaults to the alert channel, else the first slack channel', () => {
    const c = parseConfigText(
      `watch: { enabled: true, intervalSeconds: 15, hysteresis: { openAfter: 3 } }\n${clusters.replace('    watch: { enabled: false }', '    watch: { enabled: true, hysteresis: { recoverAfter: 8 }, rememberFor: 6h }').replace('  nochannel:', '  nochannel:\n    watch: { enabled: false }')}`,
      'f.yaml',
      {},
    );
    expect(watchedClusters(c)).toEqual(['prod', 'staging']);
    expect(watchSettings(c, 'prod')).toMatchObject({ intervalSeconds: 15, channel: 'C0ALERTS', openAfter: 3, recoverAfter: 4 });
    expect(watchSettings(c, 'staging')).toMatchObject({ channel: 'C0STAGING', openAfter: 3, recoverAfter: 8, rememberSeconds: 6 * 3600 });
  });

  it('rejects bad values naming the field', () => {
    expect(problems(`watch: { enabled: yes-please, intervalSeconds: 2 }\n${clusters}`)).toEqual([
      expect.stringMatching(/^watch\.enabled: /),
      'watch.intervalSeconds: must be at least 5 (seconds)',
    ]);
    expect(problems(`watch: { hysteresis: { openAfter: 0 }, rememberFor: tomorrow }\n${clusters}`)).toEqual([
      expect.stringMatching(/^watch\.hysteresis\.openAfter: /),
      'watch.rememberFor: must be a duration such as 30s, 15m, 12h or 1d',
    ]);
    expect(problems(clusters.replace('watch: { enabled: false }', 'watch: { every: 30 }'))).toEqual([expect.stringMatching(/^clusters\.staging\.watch: .*every/)]);
  });

  it('a watched cluster with no channel to warn in is a config error, not a silent watch', () => {
    expect(problems(`watch: { enabled: true }\n${clusters}`)).toEqual([
      'clusters.nochannel.watch.channel: the watch is on but the cluster has no channel to warn in (set watch.channel, alerts.channel or slack.channels)',
    ]);
  });
});
