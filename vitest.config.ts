import { defineConfig } from 'vitest/config';

// Three sets, each test file in exactly one of the first two:
// - `unit`: plain `*.test.ts` that need no database, no server process and no browser (`npm run test:unit`).
// - `pglite`: the database tests (`*.int.test.ts`) and the plain tests listed below, on embedded PGlite.
// - `postgres`: with TEST_DATABASE_URL set, the `*.int.test.ts` again on that PostgreSQL server, each file in a
//   database of its own copied from a migrated template.
const postgresUrl = process.env.TEST_DATABASE_URL;
const globalSetup = ['apps/server/test/global-setup.ts'];

const testFiles = ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'];
const databaseTests = ['apps/*/src/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts'];

// Plain tests that open a database or start `datasync` processes yet are not `*.int.test.ts`, because they only
// make sense on one database: PGlite's own behaviour, the CLI on its embedded data folder, PostgreSQL restarted
// under a running server.
const processAndEmbeddedDatabaseTests = [
  'apps/server/src/db/pglite-turns.test.ts',
  'apps/server/test/cli.test.ts',
  'apps/server/test/data-dir-permissions.test.ts',
  'apps/server/test/database-down.test.ts',
  'apps/server/test/postgres-restart.test.ts',
  'apps/server/test/serve-crash-pglite.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: testFiles,
          // Files share a worker's module cache, which more than halves the run. It holds while unit tests leave no
          // state behind: no module mocks, and stubbed globals restored after each test.
          isolate: false,
          exclude: ['**/node_modules/**', ...databaseTests, ...processAndEmbeddedDatabaseTests],
        },
      },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: [...databaseTests, ...processAndEmbeddedDatabaseTests],
          env: { TEST_DB: 'pglite' },
          globalSetup,
        },
      },
      {
        // `npm start` drives each file: the admin UI in Chromium (e2e/admin-ui.test.ts, skipped without
        // /usr/bin/chromium) and the demo sync over HTTP. One file at a time: each `npm start` rebuilds the UI into
        // the same apps/web/dist that the other's server is serving.
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          fileParallelism: false,
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
                include: databaseTests,
                env: { TEST_DB: 'postgres' },
                globalSetup,
              },
            },
          ]
        : []),
    ],
  },
});
