import { defineConfig } from 'vitest/config';

// Three projects: `unit` runs anywhere without privileges (loopback only); `install` packs and
// installs the command (no privileges, loopback only); `lab` builds network namespaces and needs root
// (see test/run.mjs).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Builds dist/ once (incrementally) so that CLI tests can spawn the real binary.
          globalSetup: ['test/support/build.ts'],
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // Packs the project and installs it with npm (about a minute of CPU and disk): run on its own,
          // after `unit`, so that it does not slow the timing-sensitive tests running in parallel there.
          name: 'install',
          globalSetup: ['test/support/build.ts'],
          include: ['test/install/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'lab',
          globalSetup: ['test/support/build.ts'],
          include: ['test/lab/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
