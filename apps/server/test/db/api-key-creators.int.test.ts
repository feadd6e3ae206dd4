import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrations-folder.js';
import type { Database } from '../../src/db/types.js';
import { rowsOf } from '../support/sql.js';
import { openTestDatabase } from '../support/test-database.js';

// Migration 0009 gives every key a creator and revokes the keys of creators who already left. Its statements
// only touch keys that break the rule, so running them again on rows that break it shows what it does.

const ORG = '00000000-0000-4000-8000-000000000901';
const OWNER = '00000000-0000-4000-8000-000000000911';
const LATER_OWNER = '00000000-0000-4000-8000-000000000912';
const ADMIN = '00000000-0000-4000-8000-000000000913';
const LEAVER = '00000000-0000-4000-8000-000000000914';
const key = (n: number) => `00000000-0000-4000-8000-00000000092${n}`;

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
  const user = (id: string, n: string) =>
    `INSERT INTO users (id, name, email) VALUES ('${id}', 'User ${n}', 'user-${n}@example.test');`;
  const keyRow = (n: number, createdBy: string | null) =>
    `INSERT INTO api_keys (id, organization_id, name, role, prefix, key_hash, created_by)
       VALUES ('${key(n)}', '${ORG}', 'key ${n}', 'editor', 'dsk_${n}', 'hash-${n}',
               ${createdBy ? `'${createdBy}'` : 'NULL'});`;
  await database.exec(
    `INSERT INTO organizations (id, name, slug) VALUES ('${ORG}', 'Creators', 'creators');
     ${user(OWNER, 'owner')} ${user(LATER_OWNER, 'later-owner')} ${user(ADMIN, 'admin')} ${user(LEAVER, 'leaver')}
     INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES
       ('${ORG}', '${OWNER}', 'owner', now() - interval '2 days'),
       ('${ORG}', '${LATER_OWNER}', 'owner', now() - interval '1 day'),
       ('${ORG}', '${ADMIN}', 'admin', now());
     ${keyRow(1, null)} ${keyRow(2, ADMIN)} ${keyRow(3, null)} ${keyRow(4, LEAVER)}
     INSERT INTO audit_log (organization_id, actor_api_key_id, action, entity_type, entity_id)
       VALUES ('${ORG}', '${key(2)}', 'api_key.create', 'api_key', '${key(3)}');`,
  );
  const migration = await readFile(join(MIGRATIONS_FOLDER, '0009_api_key_creators.sql'), 'utf8');
  for (const statement of migration.split('--> statement-breakpoint')) await database.exec(statement);
});
afterAll(() => database?.close());

it('gives each key a creator: the maker of the key that made it, else the earliest owner', async () => {
  const keys = await rowsOf<{ id: string; created_by: string | null }>(
    database.db,
    `SELECT id, created_by FROM api_keys WHERE organization_id = '${ORG}' ORDER BY id`,
  );
  expect(keys).toEqual([
    { id: key(1), created_by: OWNER },
    { id: key(2), created_by: ADMIN },
    { id: key(3), created_by: ADMIN },
    { id: key(4), created_by: LEAVER },
  ]);
});

it('revokes the keys whose creator is not a member any more, and only those', async () => {
  const revoked = await rowsOf<{ id: string }>(
    database.db,
    `SELECT id FROM api_keys WHERE organization_id = '${ORG}' AND revoked_at IS NOT NULL ORDER BY id`,
  );
  expect(revoked.map((row) => row.id)).toEqual([key(4)]);
});
