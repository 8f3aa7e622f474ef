import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { parseConfigText } from '../../../src/config/load.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { runDiagnosis } from '../../../src/diagnosis/run.js';
import { createLogCollector } from '../../../src/diagnosis/evidence/log-collector.js';
import type { Diagnosis } from '../../../src/diagnosis/types.js';
import { PrometheusRegistry } from '../../../src/sources/prometheus/registry.js';
import { SlackDelivery } from '../../../src/delivery/slack-client.js';
import { SLACK_LIMITS, type KnownBlock } from '../../../src/delivery/message-limits.js';
import { detailsMessage } from '../../../src/report/slack-blocks.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { SlackStandin } from '../../support/slack-standin.js';

/**
 * A thread reply longer than Slack takes (a long incident: hundreds of timeline entries) is not cut off:
 * the reply is posted trimmed with a notice, and its whole text arrives in the same thread as a file.
 * The diagnosis is the recorded slow-disk incident's, with its timeline repeated as a long incident's would
 * grow.
 */
let s: LoadedScenario;
let slack: SlackStandin;
let long: Diagnosis;

beforeAll(async () => {
  [s, slack] = await Promise.all([loadScenario('disk-slow-follower'), SlackStandin.start()]);
  const logs = Object.entries(s.logFiles).map(([member, path]) => `      - { type: file, path: "${path}", member: ${member} }`).join('\n');
  const config = parseConfigText(`clusters:\n  lab:\n    prometheus: { url: "${s.url}" }\n    selector: { job: etcd }\n    logs:\n${logs}\n`, 'overflow.yaml', {});
  const prometheus = new PrometheusRegistry(config);
  const collectLogs = createLogCollector(config);
  try {
    const { diagnosis } = await runDiagnosis(
      { config, playbooks: loadPlaybooks(), prometheus, collectLogs },
      { cluster: 'lab', windowSeconds: 180, endTime: new Date(Math.floor(s.times.faultEnd) * 1000).toISOString(), origin: { kind: 'cli' } },
    );
    expect(diagnosis.timeline.length).toBeGreaterThan(0);
    const timeline = Array.from({ length: 400 }, (_, i) => ({ ...diagnosis.timeline[i % diagnosis.timeline.length]!, text: `${diagnosis.timeline[i % diagnosis.timeline.length]!.text} (#${i + 1})` }));
    long = { ...diagnosis, timeline };
  } finally {
    await Promise.all([prometheus.close(), collectLogs.close()]);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([s?.stop(), slack?.stop()]);
});

describe('a thread reply beyond Slack’s block limits', () => {
  it('is posted trimmed, and its full text is attached to the thread as a file', async () => {
    const msg = detailsMessage(long);
    // Built whole: every timeline entry is in the blocks, none cut by the builder.
    expect(JSON.stringify(msg.blocks)).toContain('(#400)');
    const d = new SlackDelivery({ botToken: slack.token, slackApiUrl: slack.apiUrl, logger: pino({ level: 'silent' }) });
    const parent = await d.postMessage({ channel: 'C0LONG', text: 'parent' });
    const res = await d.postMessage({ channel: 'C0LONG', thread_ts: parent.ts, ...msg });
    expect(res.trimmed).toBe(true);

    const posted = slack.message('C0LONG', res.ts)!;
    const sent = posted.blocks as KnownBlock[];
    expect(sent.length).toBeLessThanOrEqual(SLACK_LIMITS.maxBlocks);
    expect(JSON.stringify(sent.at(-1))).toContain('the full output is attached in the thread');
    // The reply still leads with the verdict and its numbers.
    expect(JSON.stringify(sent[0])).toMatch(/Slow disk on etcd-2/);
    expect(JSON.stringify(sent[0])).toMatch(/WAL fsync p99: \*?etcd-2/);

    const file = slack.uploadedFiles('C0LONG').find((f) => f.thread_ts === parent.ts)!;
    expect(file.filename).toBe('full-output.txt');
    const text = file.content!.toString('utf8');
    expect(text).toContain('(#400)');
    expect(text).toContain('sudo ionice -c2 -n0');
    expect(JSON.stringify(sent)).not.toContain('(#400)');
  });
});
