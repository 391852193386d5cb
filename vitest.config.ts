import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs anywhere without privileges (loopback only);
// `lab` builds network namespaces and needs root (see test/run.mjs).
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
