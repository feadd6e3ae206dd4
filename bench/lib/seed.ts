import { sql } from 'drizzle-orm';
import { siteItemMappings, sites } from '../../apps/server/src/db/schema/index.js';
import { encryptSecret } from '../../apps/server/src/crypto/secret-box.js';
import { withTenant } from '../../apps/server/src/db/tenant.js';
import type { AppDb, Tx } from '../../apps/server/src/db/types.js';
import type { App } from '../../apps/server/src/http/app.js';
import { generateSigningSecret } from '../../apps/server/src/sites/site-secrets.js';
import { loadDemoData } from '../../apps/server/test/support/demo.js';
import { signUp } from '../../apps/server/test/support/users.js';

export type Headers = Record<string, string>;

async function call(app: App, method: 'POST' | 'PATCH', url: string, headers: Headers, payload: object) {
  const response = await app.inject({ method, url, headers, payload });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json() as { id: string };
}

/**
 * The 3-site demo through the API (sign-up, POST /api/v1/demo), its sites then PATCHed to the bench receiver.
 */
export async function seedDemo(app: App, db: AppDb, receiverOrigin: string): Promise<{ headers: Headers }> {
  const owner = await signUp(app, { organization: 'Bench demo' });
  const demo = await loadDemoData(app, db, owner.headers);
  for (const [slug, id] of Object.entries(demo.siteIds)) {
    await call(app, 'PATCH', `/api/v1/sites/${id}`, owner.headers, {
      destination_url: `${receiverOrigin}/demo/${slug}`,
    });
  }
  return { headers: owner.headers };
}

/** `siteCount` sites at the receiver, inserted 500 a statement, with secrets sealed as the API seals them. */
async function insertSites(
  tx: Tx,
  orgId: string,
  options: { siteCount: number; receiverOrigin: string; encryptionKey: Buffer },
): Promise<string[]> {
  const siteRows = Array.from({ length: options.siteCount }, (_, index) => {
    const slug = `site-${String(index + 1).padStart(5, '0')}`;
    return {
      organizationId: orgId,
      name: `Bench site ${index + 1}`,
      slug,
      destinationUrl: `${options.receiverOrigin}/sites/${slug}`,
      signingSecretEncrypted: encryptSecret(options.encryptionKey, generateSigningSecret()),
    };
  });
  const ids: string[] = [];
  for (let start = 0; start < siteRows.length; start += 500) {
    const inserted = await tx
      .insert(sites)
      .values(siteRows.slice(start, start + 500))
      .returning({ id: sites.id });
    ids.push(...inserted.map((row) => row.id));
  }
  return ids;
}

async function insertMappings(tx: Tx, rows: (typeof siteItemMappings.$inferInsert)[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 1000) {
    await tx.insert(siteItemMappings).values(rows.slice(start, start + 1000));
  }
}

const WORDS =
  'offer summer sale free shipping store hours coupon limited new launch city campaign banner price'.split(
    ' ',
  );

/** Deterministic prose of about `bytes` characters (a fixed linear congruential sequence picks the words). */
function prose(bytes: number, seed: number): string {
  let state = seed;
  const words: string[] = [];
  let length = 0;
  while (length < bytes) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const word = WORDS[state % WORDS.length]!;
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ').slice(0, bytes);
}

export interface FanOut {
  headers: Headers;
  siteCount: number;
  itemsPerSite: number;
}

/**
 * An organization with `siteCount` sites at the receiver, each mapped (`full`) to `itemsPerSite` of 8 published
 * items of ~`itemBytes` of data each, so a payload carries ~itemsPerSite × itemBytes. The content type and items go
 * through the API; the sites and mappings are inserted in one transaction as the app role (RLS applies), since
 * 1,000 sites and 4,000 mappings through the API would dominate the bench's run time. Signing secrets are generated
 * and sealed as the API does (secret-box with the app's encryption key).
 */
export async function seedFanOut(
  app: App,
  db: AppDb,
  options: {
    receiverOrigin: string;
    encryptionKey: Buffer;
    siteCount: number;
    itemsPerSite: number;
    itemBytes: number;
  },
): Promise<FanOut> {
  const owner = await signUp(app, { organization: 'Bench fan-out' });
  const orgId = owner.headers['x-organization-id']!;
  const type = await call(app, 'POST', '/api/v1/content-types', owner.headers, {
    name: 'Bench article',
    slug: 'bench_article',
    schema: {
      type: 'object',
      required: ['headline', 'body'],
      properties: {
        headline: { type: 'string', maxLength: 200 },
        body: { type: 'string', maxLength: 20_000 },
      },
    },
  });
  const itemIds: string[] = [];
  for (let index = 0; index < 8; index++) {
    const item = await call(app, 'POST', '/api/v1/content-items', owner.headers, {
      title: `Bench item ${index + 1}`,
      content_type_id: type.id,
      status: 'published',
      data: { headline: `Offer ${index + 1}`, body: prose(options.itemBytes, index + 1) },
    });
    itemIds.push(item.id);
  }

  await withTenant(db, { orgId }, async (tx) => {
    const siteIds = await insertSites(tx, orgId, options);
    const mappingRows = siteIds.flatMap((siteId, siteIndex) =>
      Array.from({ length: options.itemsPerSite }, (_, offset) => ({
        organizationId: orgId,
        siteId,
        contentItemId: itemIds[(siteIndex + offset) % itemIds.length]!,
        mode: 'full' as const,
      })),
    );
    await insertMappings(tx, mappingRows);
  });
  await refreshStatistics(db);
  return { headers: owner.headers, siteCount: options.siteCount, itemsPerSite: options.itemsPerSite };
}

/**
 * ANALYZE, as the connection role: the statistics autovacuum would have gathered by the time a real organization
 * of this size syncs. The bench builds its thousands of sites in seconds and syncs at once, before autovacuum (which
 * looks once a minute) has analyzed anything. Without statistics PostgreSQL guesses that any one organization holds
 * 0.5 % of a table, and for the row-level-security condition on it picks plans that read the organization's whole
 * table on every batch (10,000 sites read for a claim's 256). Run after seeding, and after each series' warm-up so
 * the deliveries table has statistics too, as one with a history of syncs would.
 */
export async function refreshStatistics(db: AppDb): Promise<void> {
  await db.execute(sql`ANALYZE`);
}

/**
 * For the API figures: an organization with `items` content items (one in four a draft) created through the API,
 * 8 at a time, and `sites` sites with each item mapped (`full`) to `sitesPerItem` of them, inserted as in
 * seedFanOut.
 */
export async function seedApiOrganization(
  app: App,
  db: AppDb,
  options: {
    receiverOrigin: string;
    encryptionKey: Buffer;
    items: number;
    sites: number;
    sitesPerItem: number;
  },
): Promise<{ headers: Headers }> {
  const owner = await signUp(app, { organization: 'Bench API' });
  const orgId = owner.headers['x-organization-id']!;
  const type = await call(app, 'POST', '/api/v1/content-types', owner.headers, {
    name: 'Bench note',
    slug: 'bench_note',
    schema: {
      type: 'object',
      required: ['headline'],
      properties: { headline: { type: 'string', maxLength: 200 }, body: { type: 'string' } },
    },
  });
  const itemIds: string[] = new Array(options.items);
  let next = 0;
  const creator = async () => {
    while (next < options.items) {
      const index = next++;
      const item = await call(app, 'POST', '/api/v1/content-items', owner.headers, {
        title: `Bench note ${index + 1}`,
        content_type_id: type.id,
        status: index % 4 === 3 ? 'draft' : 'published',
        data: { headline: `Note ${index + 1}`, body: prose(600, index + 1) },
      });
      itemIds[index] = item.id;
    }
  };
  await Promise.all(Array.from({ length: 8 }, creator));
  await withTenant(db, { orgId }, async (tx) => {
    const siteIds = await insertSites(tx, orgId, { ...options, siteCount: options.sites });
    await insertMappings(
      tx,
      itemIds.flatMap((contentItemId, itemIndex) =>
        Array.from({ length: options.sitesPerItem }, (_, offset) => ({
          organizationId: orgId,
          siteId: siteIds[(itemIndex + offset) % siteIds.length]!,
          contentItemId,
          mode: 'full' as const,
        })),
      ),
    );
  });
  return { headers: owner.headers };
}
