import { describe, it } from 'vitest';
import { expectLiveDiagnosis } from './diagnose-live.js';

/**
 * The one live-lab scenario in the default test run (the README demo's): a real 3-member etcd, a real
 * Prometheus, a slow disk injected on a follower, diagnosed by the CLI. Every fault runs with
 * `npm run test:e2e`.
 */
describe('live lab (default run)', () => {
  it('a slow disk injected on a follower is diagnosed on that member', () => expectLiveDiagnosis('disk'), 480_000);
});
