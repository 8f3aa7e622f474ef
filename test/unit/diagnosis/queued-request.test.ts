import { describe, expect, it } from 'vitest';
import { diagnoseJobSchema } from '../../../src/jobs/diagnose/job.js';

describe('diagnose jobs queued by an earlier version', () => {
  it('still run when their Slack origin carries the response_url no longer used', () => {
    const queued = {
      request: {
        cluster: 'prod',
        windowSeconds: 900,
        origin: { kind: 'slack-command', channelId: 'C0LAB', userId: 'U0ALICE', responseUrl: 'https://hooks.slack.com/commands/T0/1/abc' },
      },
      requestedAt: 1_700_000_000_000,
    };
    const parsed = diagnoseJobSchema.parse(queued);
    expect(JSON.parse(JSON.stringify(parsed.request.origin))).toEqual({ kind: 'slack-command', channelId: 'C0LAB', userId: 'U0ALICE' });
  });

  it('are still rejected for any other unknown origin field', () => {
    const r = diagnoseJobSchema.safeParse({
      request: { cluster: 'prod', windowSeconds: 900, origin: { kind: 'slack-command', channelId: 'C0LAB', userId: 'U0ALICE', replyTo: 'x' } },
      requestedAt: 1,
    });
    expect(r.success).toBe(false);
  });
});
