import { defineConfig } from 'vitest/config';

// Four projects: `unit` holds pure tests that need no build (vitest compiles what they import);
// `integration` spawns the built CLI and servers on loopback (it builds dist/ first); `install` packs and
// installs the command (no privileges, loopback only); `lab` builds network namespaces and needs root
// (see test/run.mjs).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          // Builds dist/ once (incrementally) so that CLI tests can spawn the real binary.
          globalSetup: ['test/support/build.ts'],
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // Packs the project and installs it with npm (about a minute of CPU and disk): run on its own,
          // after `integration`, so that it does not slow the timing-sensitive tests running in parallel there.
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
