import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Browser tests of the playground, kept apart from the unit tests (`npm run test:e2e`). */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
