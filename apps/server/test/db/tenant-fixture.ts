import type { Database } from '../../src/db/types.js';

/** Two organizations, A and B, each with one row in every tenant table, written as the connection role. */
export const ORG_A = '00000000-0000-4000-8000-00000000000a';
export const ORG_B = '00000000-0000-4000-8000-00000000000b';
export const USER_A = '00000000-0000-4000-8000-0000000000a1';
export const USER_B = '00000000-0000-4000-8000-0000000000b1';
/** A member of both organizations (viewer in each). */
export const USER_AB = '00000000-0000-4000-8000-0000000000ab';
export const KEY_HASH_B = 'hash-of-key-b';
export const INVITE_HASH_B = 'hash-of-invite-b';

/** The tables RLS must isolate by organization_id (organizations itself is isolated by its id). */
export const TENANT_TABLES = [
  'memberships',
  'invitations',
  'api_keys',
  'content_types',
  'content_items',
  'sites',
  'site_item_mappings',
  'sync_jobs',
  'deliveries',
  'job_logs',
  'destination_snapshots',
  'payloads',
  'audit_log',
  'alert_channels',
  'alerts',
  'alert_sends',
] as const;

/** The rows seedTwoTenants gives each organization per table: its owner and the shared viewer are two members. */
export const ROWS_PER_TENANT: Record<(typeof TENANT_TABLES)[number], number> = {
  ...(Object.fromEntries(TENANT_TABLES.map((table) => [table, 1])) as Record<
    (typeof TENANT_TABLES)[number],
    number
  >),
  memberships: 2,
};

function rowsFor(org: string, user: string, n: string): string {
  const id = (suffix: string) => `'00000000-0000-4000-8000-${suffix}${n.repeat(12 - suffix.length)}'`;
  return `
    INSERT INTO organizations (id, name, slug) VALUES ('${org}', 'Org ${n}', 'org-${n}');
    INSERT INTO users (id, name, email) VALUES ('${user}', 'User ${n}', 'user-${n}@example.test');
    INSERT INTO memberships (organization_id, user_id, role) VALUES ('${org}', '${user}', 'owner');
    INSERT INTO invitations (organization_id, email, role, token_hash, expires_at)
      VALUES ('${org}', 'invitee-${n}@example.test', 'editor', 'hash-of-invite-${n}', now() + interval '1 day');
    INSERT INTO api_keys (organization_id, name, role, prefix, key_hash)
      VALUES ('${org}', 'key ${n}', 'viewer', 'dsk_${n}', 'hash-of-key-${n}');
    INSERT INTO content_types (id, organization_id, name, slug, schema)
      VALUES (${id('c')}, '${org}', 'Type', 'type', '{"type":"object"}');
    INSERT INTO content_items (id, organization_id, content_type_id, title)
      VALUES (${id('d')}, '${org}', ${id('c')}, 'Item ${n}');
    INSERT INTO sites (id, organization_id, name, slug, destination_url, signing_secret_encrypted)
      VALUES (${id('e')}, '${org}', 'Site', 'site', 'https://example.test/hook', 'ciphertext');
    INSERT INTO site_item_mappings (organization_id, site_id, content_item_id, mode)
      VALUES ('${org}', ${id('e')}, ${id('d')}, 'full');
    INSERT INTO sync_jobs (id, organization_id, trigger) VALUES (${id('f')}, '${org}', 'manual');
    INSERT INTO deliveries (organization_id, job_id, site_id, webhook_id)
      VALUES ('${org}', ${id('f')}, ${id('e')}, 'msg_${n}');
    INSERT INTO job_logs (organization_id, job_id, level, message) VALUES ('${org}', ${id('f')}, 'info', 'log ${n}');
    INSERT INTO destination_snapshots (organization_id, site_id, version, payload, payload_hash, item_count)
      VALUES ('${org}', ${id('e')}, 1, '{}', 'h', 0);
    INSERT INTO payloads (organization_id, hash, items) VALUES ('${org}', 'h', '[]');
    INSERT INTO audit_log (organization_id, action, entity_type) VALUES ('${org}', 'test.seeded', 'test');
    INSERT INTO alert_channels (id, organization_id, type, email_to)
      VALUES (${id('a1')}, '${org}', 'email', 'ops-${n}@example.test');
    INSERT INTO alerts (id, organization_id, type, site_id, body)
      VALUES (${id('a2')}, '${org}', 'site.failing', ${id('e')}, '{"type":"site.failing"}');
    INSERT INTO alert_sends (organization_id, alert_id, channel_id, channel_type)
      VALUES ('${org}', ${id('a2')}, ${id('a1')}, 'email');
  `;
}

export async function seedTwoTenants(database: Database): Promise<void> {
  await database.exec(
    rowsFor(ORG_A, USER_A, 'a') +
      rowsFor(ORG_B, USER_B, 'b') +
      `INSERT INTO users (id, name, email) VALUES ('${USER_AB}', 'User AB', 'user-ab@example.test');
       INSERT INTO memberships (organization_id, user_id, role)
         VALUES ('${ORG_A}', '${USER_AB}', 'viewer'), ('${ORG_B}', '${USER_AB}', 'viewer');`,
  );
}
