/**
 * npm run test:pgbouncer: the helper suite and row-level security again, with
 * the library's database handle going through PgBouncer in transaction mode
 * (as the app would on Neon's pooled URL). Needs the pgbouncer binary.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/queries/**/*.test.ts', 'test/rls/**/*.test.ts', 'test/pgbouncer/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/support/pgbouncer-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
