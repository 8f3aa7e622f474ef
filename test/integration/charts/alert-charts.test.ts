import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTriageStack, type TriageStack } from '../../support/triage-stack.js';
import { waitFor } from '../../support/processes.js';
import { readPng } from '../../support/png.js';
import { CHART_SIZE } from '../../../src/report/charts/spec.js';

/**
 * An alert thread gets the charts of its triage: a real Alertmanager fires at the bot, the triage runs
 * against the recorded slow-disk incident, and the chart is uploaded into the alert's thread after the
 * triage text.
 */
const CHANNEL = 'C0ALERTCHARTS';
let stack: TriageStack;

beforeAll(async () => {
  stack = await startTriageStack({
    clusters: ({ promUrl, job }) => `  lab:\n    prometheus: { url: "${promUrl}", timeoutMs: 3000 }\n    selector: { job: ${job} }\n    alerts: { channel: ${CHANNEL} }\n`,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('charts in an alert thread', () => {
  it('the triage reply, then its deciding chart uploaded into the same thread', async () => {
    const { slack, am, job, member } = stack;
    await am.push([{ labels: { alertname: 'etcdHighFsyncDurations', job, instance: member, severity: 'warning' }, annotations: { summary: 'fsync slow' }, startsAt: new Date().toISOString() }]);
    await waitFor('a chart in the alert thread', () => slack.uploadedFiles(CHANNEL).some((f) => f.thread_ts !== undefined), 45_000);
    const parent = slack.history(CHANNEL)[0]!;
    const file = slack.uploadedFiles(CHANNEL)[0]!;
    expect(file).toMatchObject({ thread_ts: parent.ts, filename: expect.stringMatching(/^lab-disk-wal_fsync_p99-[0-9a-f]{10}\.png$/), title: 'WAL fsync p99' });
    const png = readPng(file.content!);
    expect({ width: png.width, height: png.height }).toEqual({ width: CHART_SIZE.width * 2, height: CHART_SIZE.height * 2 });

    const methods = slack.calls.map((c) => c.method);
    const triage = slack.calls.findIndex((c) => c.method === 'chat.postMessage' && c.args['thread_ts'] === parent.ts && /Triage/.test(String(c.args['text'])));
    expect(triage).toBeGreaterThanOrEqual(0);
    expect(triage).toBeLessThan(methods.indexOf('files.getUploadURLExternal'));
    // Only the triage text is a message in the thread: the charts are files, and none is missing.
    expect(slack.threadReplies(CHANNEL, parent.ts).map((m) => m.text).join('\n')).not.toMatch(/is missing/);
  });
});
