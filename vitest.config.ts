import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that need the machine to themselves: the container image build (minutes of CPU on its own) and
 * the tests that start the live lab, whose ports are fixed (LAB_PORT_BASE). They run one after another,
 * once every other file has finished.
 */
const alone = ['test/integration/image/**/*.test.ts', 'test/integration/lab/**/*.test.ts', 'test/e2e/live-disk.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Most integration files spend their time waiting (on Redis, Prometheus, BullMQ's timers, the Slack
    // stand-in's pacing), so two at a time fit on two cores. Every service they start takes a free port
    // of its own, so they never meet.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...alone],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: alone,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
