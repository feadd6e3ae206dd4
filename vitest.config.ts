import { defineConfig } from 'vitest/config';

// Every test runs on embedded PGlite. With TEST_DATABASE_URL set, the database tests (`*.int.test.ts`) run a
// second time on that PostgreSQL server, each file in a database of its own copied from a migrated template.
const postgresUrl = process.env.TEST_DATABASE_URL;
const globalSetup = ['apps/server/test/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'pglite',
          include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
          env: { TEST_DB: 'pglite' },
          globalSetup,
        },
      },
      {
        // The admin UI in Chromium against `npm start` (e2e/admin-ui.test.ts); skipped without /usr/bin/chromium.
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 180_000,
          expect: { poll: { timeout: 20_000 } },
        },
      },
      ...(postgresUrl
        ? [
            {
              extends: true,
              test: {
                name: 'postgres',
                include: ['apps/*/src/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts'],
                env: { TEST_DB: 'postgres' },
                globalSetup,
              },
            },
          ]
        : []),
    ],
  },
});
