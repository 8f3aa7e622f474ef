import pino from 'pino';
import { configSchema, type Config } from '../../../src/config/schema.js';
import type { DiagnosisRequest } from '../../../src/diagnosis/request.js';
import type { EnqueueResult } from '../../../src/ingress/slack/command-handler.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-token';

/** lab: queryable from C0LAB and #etcd-lab; prod: only #etcd-oncall and only by S0ONCALL; dark: not from Slack. */
export function testConfig(): Config {
  const prom = { url: 'http://127.0.0.1:9' };
  return configSchema.parse({
    defaults: { window: '15m' },
    clusters: {
      lab: { prometheus: prom, selector: { job: 'etcd' }, slack: { channels: ['C0LAB', '#etcd-lab'] } },
      prod: {
        prometheus: prom,
        selector: { job: 'etcd-prod' },
        slack: { channels: ['#etcd-oncall'], userGroups: ['S0ONCALL'] },
      },
      dark: { prometheus: prom, selector: { job: 'etcd-dark' } },
    },
  });
}

export const silentLogger = pino({ level: 'silent' });

/** Records enqueued requests; can be made to fail or dedupe. */
export class RecordingQueue {
  readonly requests: DiagnosisRequest[] = [];
  failWith: Error | undefined;
  deduplicate = false;
  delayMs = 0;

  readonly enqueue = async (req: DiagnosisRequest): Promise<EnqueueResult> => {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failWith !== undefined) throw this.failWith;
    this.requests.push(req);
    return { jobId: `job-${this.requests.length}`, deduplicated: this.deduplicate };
  };
}
