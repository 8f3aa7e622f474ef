import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { buildImage, runContainer, type ContainerRun, type ImageBuild } from '../../support/image.js';
import { freePort, tempDir, waitFor, type RunningProcess } from '../../support/processes.js';
import { startRedis } from '../../support/redis.js';
import { sendSlashCommand } from '../../support/slack-sign.js';
import { SlackStandin } from '../../support/slack-standin.js';

/**
 * The container image as users get it: built from deploy/image/Dockerfile, then the CLI and the service
 * run from inside it against a real Prometheus (a recorded slow-disk incident) and a real Redis, with
 * the Slack stand-in as the only stand-in.
 */
const SECRET = 'image-test-signing-secret';
const CHANNEL = 'C0IMAGE';

let build: ImageBuild;
let prom: LoadedScenario;
let redis: RunningProcess & { url: string };
let slack: SlackStandin;
let configFile: string;

beforeAll(async () => {
  build = await buildImage();
  [prom, redis, slack] = await Promise.all([
    // Ends now, after the build: the slash command looks at "the last N minutes".
    loadScenario('disk-slow-follower', { endAt: Math.floor(Date.now() / 1000) }),
    startRedis(),
    SlackStandin.start(),
  ]);
  configFile = join(tempDir('image-config'), 'etcd-triage.yaml');
  writeFileSync(
    configFile,
    `clusters:
  lab:
    prometheus: { url: "${prom.url}", timeoutMs: 3000 }
    selector: { job: etcd }
    slack: { channels: ["${CHANNEL}"] }
`,
  );
  chmodSync(configFile, 0o644);
  console.log(`image size: ${(build.sizeBytes / 1e6).toFixed(0)} MB (base ${(build.baseSizeBytes / 1e6).toFixed(0)} MB)`);
}, 1_200_000);

afterAll(async () => {
  await build?.cleanup();
  await Promise.all([prom?.stop(), redis?.stop(), slack?.stop()]);
});

describe('container image', () => {
  it('runs etcd-triage as uid 10001 with `start` as the default command, and carries its OCI labels', async () => {
    const { stdout } = await build.buildah(['inspect', '--type', 'image', build.image]);
    const config = (JSON.parse(stdout) as { OCIv1: { config: { User: string; Entrypoint: string[]; Cmd: string[]; Labels: Record<string, string> } } }).OCIv1.config;
    expect(config.User).toBe('10001:10001');
    expect(config.Entrypoint).toEqual(['etcd-triage']);
    expect(config.Cmd).toEqual(['start']);
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.version': '0.1.0',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//) as unknown as string,
    });
    expect(build.sizeBytes).toBeGreaterThan(build.baseSizeBytes);
  });

  it('holds the compiled program, the playbooks and production dependencies only: no tests, no dev tools', async () => {
    const c = await runContainer(build, [
      'node', '-e',
      `const fs = require('fs');
       const has = (p) => fs.existsSync(p);
       console.log(JSON.stringify({
         uid: process.getuid(),
         app: fs.readdirSync('/app').sort(),
         playbooks: fs.readdirSync('/app/playbooks').filter((f) => f.endsWith('.yaml')).length,
         bolt: has('/app/node_modules/@slack/bolt'), bullmq: has('/app/node_modules/bullmq'),
         dev: ['vitest', 'typescript', 'tsx', 'fast-check'].filter((d) => has('/app/node_modules/' + d)),
         src: has('/app/src'), test: has('/app/test'),
       }));`,
    ]);
    try {
      expect(await c.exited).toBe(0);
      const facts = JSON.parse(c.output().trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(facts).toMatchObject({ uid: 10001, bolt: true, bullmq: true, dev: [], src: false, test: false });
      expect(facts['app']).toEqual(['dist', 'node_modules', 'package.json', 'playbooks']);
      expect(facts['playbooks']).toBeGreaterThanOrEqual(5);
    } finally {
      await c.remove();
    }
  });

  it('why-slow from inside the image names the slow member of a recorded incident and draws its charts', async () => {
    const end = new Date(Math.floor(prom.times.faultEnd) * 1000).toISOString();
    const c = await runContainer(build, ['etcd-triage', 'why-slow', 'lab', '--config', '/etc/etcd-triage/config.yaml', '--window', '3m', '--end', end, '--charts', '/tmp'], {
      volumes: [[configFile, '/etc/etcd-triage/config.yaml']],
    });
    try {
      expect(await c.exited).toBe(0);
      expect(c.output()).toMatch(new RegExp(`Slow disk on ${prom.meta.fault.member!}`));
      // The image carries the font and the renderer: the chart is drawn, not reported missing.
      expect(c.output()).toContain('chart written: /tmp/lab-disk-wal_fsync_p99.png');
    } finally {
      await c.remove();
    }
  }, 120_000);

  it('`start` from the image: ready, answers a signed slash command in a thread, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    let c: ContainerRun | undefined;
    try {
      c = await runContainer(build, ['etcd-triage', 'start', '--config', '/etc/etcd-triage/config.yaml'], {
        env: {
          SLACK_BOT_TOKEN: slack.token,
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: slack.apiUrl,
          REDIS_URL: redis.url,
          PORT: String(port),
          LOG_LEVEL: 'info',
        },
        volumes: [[configFile, '/etc/etcd-triage/config.yaml']],
      });
      const base = `http://127.0.0.1:${port}`;
      await waitFor('/readyz answers 200', async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200, 60_000, 200)
        .catch((err: Error) => { throw new Error(`${err.message}\n--- container output ---\n${c!.output().slice(-3000)}`); });

      const res = await sendSlashCommand(`${base}/slack/commands`, SECRET, { text: 'why-slow lab 5m', channel_id: CHANNEL, response_url: slack.responseUrl('image') });
      expect(res.status).toBe(200);
      await waitFor('verdict in the parent and a thread reply', () => {
        const parent = slack.history(CHANNEL)[0];
        return parent !== undefined && /Slow disk on/.test(parent.text) && slack.threadReplies(CHANNEL, parent.ts).length === 1;
      }, 60_000, 200);
      expect(slack.history(CHANNEL)[0]!.text).toMatch(new RegExp(`Slow disk on ${prom.meta.fault.member!}`));

      const pid = c.mainPid();
      expect(pid).toBeDefined();
      const sent = Date.now();
      process.kill(pid!, 'SIGTERM');
      const code = await Promise.race([c.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000))]);
      expect(code, c.output().slice(-3000)).toBe(0);
      // Default shutdown bound is 25 s (below Kubernetes' 30 s grace period); allow scheduling slack.
      expect(Date.now() - sent).toBeLessThan(30_000);
    } finally {
      await c?.remove();
    }
  }, 180_000);
});
