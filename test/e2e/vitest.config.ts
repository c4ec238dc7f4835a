import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// End-to-end tests run the built CLI as a process. They are named *.e2e.ts so the unit run
// (`npm test`, which needs no build) skips them; `npm run test:e2e` runs them after building.
export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The machine is small and the tests spawn servers and terminals: one file at a time.
    fileParallelism: false,
  },
});
