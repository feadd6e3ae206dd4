import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** An import the boundaries forbid, written into a real file's place (nothing is written to disk). */
interface Case {
  file: string;
  source: string;
}

const forbidden: Record<string, Case[]> = {
  'routes reach repositories and the database only through services': [
    { file: 'apps/server/src/sites/sites.routes.ts', source: './sites.repo.js' },
    { file: 'apps/server/src/sites/sites.routes.ts', source: '../db/tenant.js' },
  ],
  'services do not import routes': [
    { file: 'apps/server/src/sites/sites.service.ts', source: './sites.routes.js' },
  ],
  'repositories import no service or route': [
    { file: 'apps/server/src/sites/sites.repo.ts', source: './sites.service.js' },
    { file: 'apps/server/src/sites/sites.repo.ts', source: './sites.routes.js' },
  ],
  'db/ imports nothing above it': [
    { file: 'apps/server/src/db/tenant.ts', source: '../sites/sites.repo.js' },
  ],
  'repositories, db/ and validators do not import http/': [
    { file: 'apps/server/src/sites/sites.repo.ts', source: '../http/problem.js' },
    { file: 'apps/server/src/db/tenant.ts', source: '../http/problem.js' },
    { file: 'apps/server/src/content/data-validator.ts', source: '../http/problem.js' },
    { file: 'apps/server/src/content/schema-walk.ts', source: '../http/problem.js' },
  ],
  'content does not import sync': [
    { file: 'apps/server/src/content/content-items.service.ts', source: '../sync/plan/plan.js' },
  ],
  'sync uses sites and live only through their public modules': [
    { file: 'apps/server/src/sync/deliver/delivery-batch.ts', source: '../../sites/site-secrets.js' },
    { file: 'apps/server/src/sync/engine/engine-thread.run.ts', source: '../../live/written-lines.js' },
  ],
  'auth and organizations do not import each other': [
    { file: 'apps/server/src/auth/access.ts', source: '../organizations/organizations.service.js' },
    { file: 'apps/server/src/organizations/members.service.ts', source: '../auth/better-auth.js' },
  ],
  'contracts import nothing from node, pg or the apps': [
    { file: 'packages/contracts/src/sites.ts', source: '../../../apps/server/src/config.js' },
    { file: 'packages/contracts/src/sites.ts', source: 'node:crypto' },
    { file: 'packages/contracts/src/sites.ts', source: 'pg' },
  ],
  'the web app never imports the server': [
    { file: 'apps/web/src/lib/format.ts', source: '../../../server/src/config.js' },
  ],
  'the receiver SDK imports nothing of ours': [
    { file: 'packages/receiver/src/receiver.ts', source: '@datasync/contracts' },
    { file: 'packages/receiver/src/receiver.ts', source: '../../contracts/src/index.js' },
  ],
};

const allowed: Case[] = [
  { file: 'apps/server/src/sites/sites.routes.ts', source: './sites.service.js' },
  { file: 'apps/server/src/sites/sites.service.ts', source: './sites.repo.js' },
  { file: 'apps/server/src/sites/sites.repo.ts', source: '../db/tenant.js' },
  { file: 'apps/server/src/sync/plan/plan.ts', source: '../../content/merge-overrides.js' },
  { file: 'apps/server/src/sync/deliver/delivery-batch.ts', source: '../../sites/index.js' },
  {
    file: 'apps/server/src/onboarding/signup.service.ts',
    source: '../organizations/organizations.service.js',
  },
  { file: 'apps/server/src/organizations/members.service.ts', source: '../access/principal.js' },
];

const BOUNDARY_RULES = new Set([
  'import-x/no-restricted-paths',
  'import-x/no-nodejs-modules',
  'no-restricted-imports',
]);

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

/** The boundary rules' complaints about a file made of one side-effect import of `source`. */
async function boundaryErrors({ file, source }: Case): Promise<string[]> {
  const [result] = await eslint.lintText(`import '${source}';\n`, { filePath: `${repoRoot}${file}` });
  return result!.messages
    .filter((message) => message.ruleId !== null && BOUNDARY_RULES.has(message.ruleId))
    .map((message) => `${message.ruleId}: ${message.message}`);
}

describe('import boundaries (eslint.config.js)', () => {
  for (const [rule, cases] of Object.entries(forbidden)) {
    it(rule, async () => {
      for (const example of cases) {
        const errors = await boundaryErrors(example);
        expect(errors, `${example.file} importing ${example.source}`).toHaveLength(1);
      }
    });
  }

  it('lets the layers import downwards', async () => {
    for (const example of allowed) {
      expect(await boundaryErrors(example), `${example.file} importing ${example.source}`).toEqual([]);
    }
  });
});
