import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/pgbouncer needs a PgBouncer: npm run test:pgbouncer (vitest.pgbouncer.config.ts).
    exclude: ['test/pgbouncer/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
