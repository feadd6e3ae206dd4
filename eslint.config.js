// Flat config: typescript-eslint's recommended rules over every workspace, and the import boundaries that keep the
// layers pointing one way (DESIGN.md §4). Formatting is Prettier's job.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;
const server = 'apps/server/src';
const repositories = `${server}/**/*.repo.ts`;
const services = `${server}/**/*.service.ts`;
const routes = `${server}/**/*.routes.ts`;

/**
 * Each zone: files under `target` must not import files under `from`, paths resolved (relative imports and
 * workspace packages alike). Tests are exempt: they reach across layers to set up and check state.
 */
const boundaries = [
  {
    target: routes,
    from: [repositories, `${server}/db/**`],
    message: 'Routes call services; only services reach repositories and the database.',
  },
  { target: services, from: routes, message: 'Services do not know the routes that call them.' },
  {
    target: repositories,
    from: [services, routes],
    message: 'Repositories are called by services, never the other way round.',
  },
  {
    target: `${server}/db/**`,
    from: [services, routes, repositories],
    message: 'db/ is the bottom layer: it serves repositories and imports none of the layers above it.',
  },
  {
    target: [
      repositories,
      `${server}/db/**`,
      `${server}/content/data-validator.ts`,
      `${server}/content/schema-*.ts`,
      `${server}/**/*-validator.ts`,
    ],
    from: `${server}/http/**`,
    message: 'Below HTTP: throw a domain error and let http/domain-errors.ts map it to a problem.',
  },
  {
    target: `${server}/content/**`,
    from: `${server}/sync/**`,
    message: 'Content does not depend on sync: it tells sync through content/publish-listener.ts.',
  },
  {
    target: `${server}/auth/**`,
    from: `${server}/organizations/**`,
    message: 'auth and organizations share access/; what needs both belongs above them (onboarding/).',
  },
  {
    target: `${server}/organizations/**`,
    from: `${server}/auth/**`,
    message: 'auth and organizations share access/; what needs both belongs above them (onboarding/).',
  },
  {
    target: `${server}/sync/**`,
    from: [`${server}/sites`, `${server}/live`],
    except: ['./index.ts'],
    message: 'sync uses sites/ and live/ only through their public index.ts.',
  },
  {
    target: 'packages/contracts/**',
    from: 'apps/**',
    message: 'Contracts are shared by the apps and import none of them.',
  },
  {
    target: 'apps/web/**',
    from: 'apps/server/**',
    message: 'The web app talks to the server over HTTP only.',
  },
  {
    target: 'packages/receiver/**',
    from: ['apps', 'packages/contracts'],
    message: 'The receiver SDK is used by sites: it depends on nothing of ours.',
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'apps/server/dist.building-*/**',
      'apps/server/dist-test-*/**',
      '**/data/**',
      '**/coverage/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: ['**/*.test.{ts,tsx}', 'apps/server/test/**', 'e2e/**', 'bench/**'],
    plugins: { 'import-x': importX },
    settings: {
      // Sources import `./x.js` for `./x.ts` (NodeNext); workspace packages resolve through their symlinks.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] },
        }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: boundaries }],
    },
  },
  {
    files: ['packages/contracts/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-nodejs-modules': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['pg', 'pg-*', 'pg/*', '@electric-sql/*'],
              message: 'Contracts know nothing of the database.',
            },
          ],
        },
      ],
    },
  },
);
