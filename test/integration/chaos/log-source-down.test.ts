import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLokiStandin, type LokiStandin } from '../../support/loki-standin.js';
import { tempDir, waitFor } from '../../support/processes.js';
import { alertGroup, allTriaged, expectOneThreadPerGroup, startTriageStack, type TriageStack } from '../../support/triage-stack.js';

/**
 * A log source that cannot be read: file sources naming files that do not exist, and a Loki that answers
 * every query with a 500. The metrics are there (the real fixture Prometheus with the recorded slow disk),
 * so each triage still finds the slow disk, and says the logs are missing and why.
 */
const NOFILE = 'C0LOGFILE';
const NOLOKI = 'C0LOGLOKI';

let stack: TriageStack;
let loki: LokiStandin;
const missingDir = join(tempDir('chaos-logs'), 'gone');

beforeAll(async () => {
  loki = await startLokiStandin({ streams: [], fail: { status: 500, body: 'too many outstanding requests' } });
  stack = await startTriageStack({
    clusters: ({ promUrl, job }) => {
      const members = [1, 2, 3].map((i) => `etcd-${i}`);
      return `  nofile:
    prometheus: { url: "${promUrl}", timeoutMs: 3000 }
    selector: { job: ${job} }
    alerts: { channel: ${NOFILE}, match: { job: etcd-nofile } }
    logs:
${members.map((m) => `      - { type: file, member: ${m}, path: "${join(missingDir, `${m}.log`)}" }`).join('\n')}
  noloki:
    prometheus: { url: "${promUrl}", timeoutMs: 3000 }
    selector: { job: ${job} }
    alerts: { channel: ${NOLOKI}, match: { job: etcd-noloki } }
    logs:
      - { type: loki, url: "${loki.url}", selector: '{job="etcd"}', memberLabel: instance }
`;
    },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await loki?.close();
});

describe('chaos: a log source down', () => {
  it('the diagnosis proceeds on the metrics and says the logs are missing', async () => {
    const fault = stack.member;
    const nofile = [alertGroup('etcdHighFsyncDurations', 'etcd-nofile', 1, () => fault), alertGroup('etcdHighCommitDurations', 'etcd-nofile', 2)];
    const noloki = [alertGroup('etcdHighFsyncDurations', 'etcd-noloki', 1, () => fault)];
    await stack.am.push([...nofile, ...noloki].flat());
    await waitFor('every group triaged', () => allTriaged(stack.slack, NOFILE, nofile) && allTriaged(stack.slack, NOLOKI, noloki), 90_000, 250);

    const fileTriages = expectOneThreadPerGroup(stack.slack, NOFILE, nofile);
    const lokiTriages = expectOneThreadPerGroup(stack.slack, NOLOKI, noloki);
    for (const triage of [...fileTriages, ...lokiTriages]) expect(triage).toContain(`Slow disk on ${fault}:`);
    for (const triage of fileTriages) {
      for (const m of ['etcd-1', 'etcd-2', 'etcd-3']) expect(triage).toContain(`missing: file ${join(missingDir, `${m}.log`)}: ENOENT`);
    }
    // Loki was asked, and its refusal is what the triage reports.
    expect(loki.requests.length).toBeGreaterThan(0);
    expect(lokiTriages[0]).toContain(`missing: loki ${loki.url} {job="etcd"}: HTTP 500: too many outstanding requests`);
  }, 120_000);
});
