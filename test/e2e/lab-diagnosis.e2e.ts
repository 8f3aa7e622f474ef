import { describe, it } from 'vitest';
import { expectLiveDiagnosis } from './diagnose-live.js';

/** Every fault on the live lab, diagnosed by the bot's CLI: the right cause on the right member. */
describe('live lab diagnosis', () => {
  it('names a slow disk on the faulted follower', () => expectLiveDiagnosis('disk'));
  it('names a slow network around the faulted follower', () => expectLiveDiagnosis('network'));
  // Niced to 15 under 4 pinned hogs: at the default 10 a quiet 2-core machine still gives etcd enough
  // CPU that the fault may never show.
  it('names CPU starvation of the faulted follower', () => expectLiveDiagnosis('cpu', { params: { cpuNice: 15 } }));
  it('names expensive read requests', () => expectLiveDiagnosis('expensive'));
  it('names a write overload', () => expectLiveDiagnosis('capacity'));
});
