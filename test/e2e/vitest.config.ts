import { defineConfig } from 'vitest/config';

/**
 * Live end-to-end tests against the real lab (deploy/lab): minutes each, fixed lab ports, so they are
 * kept out of the default run (their files end in .e2e.ts, which the default include does not match)
 * and run one at a time:  npx vitest run --config test/e2e/vitest.config.ts
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 480_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
