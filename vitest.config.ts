import { defineConfig } from 'vitest/config';

// `npm test` runs two projects: the fast in-process tests, and the end-to-end tests that spawn the built CLI
// (their global setup builds `dist/` when it is missing or stale).
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
          // The machine is small and the tests spawn servers and terminals: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
