import type { InvalidParam, Mapping, PutMappingBody } from '@datasync/contracts';
import type { Principal } from '../access/principal.js';
import { scopeOf } from '../access/principal.js';
import { recordAudit } from '../audit/audit.repo.js';
import { validateData } from '../content/data-validator.js';
import { withTenant } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';
import { badRequest, notFound, unprocessable } from '../http/problem.js';
import { findSite } from '../sites/sites.repo.js';
import { mergeOverrides } from '../content/merge-overrides.js';
import {
  deleteMapping,
  findItemWithSchema,
  findMapping,
  listMappings,
  upsertMapping,
  type MappingRow,
} from './mappings.repo.js';

export function toMapping(row: MappingRow): Mapping {
  return {
    id: row.id,
    site_id: row.siteId,
    content_item_id: row.contentItemId,
    mode: row.mode,
    overrides: row.overrides,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export async function getMappings(
  db: AppDb,
  principal: Principal,
  filter: { site_id?: string; content_item_id?: string },
): Promise<Mapping[]> {
  const rows = await withTenant(db, scopeOf(principal), (tx) =>
    listMappings(tx, { siteId: filter.site_id, contentItemId: filter.content_item_id }),
  );
  return rows.map(toMapping);
}

/**
 * Sets how one item goes to one site. Overrides belong to `override` mode only, and the item's data with the
 * overrides merged in must still satisfy the item's schema, or the site would receive content the schema forbids.
 */
export function putMapping(
  db: AppDb,
  principal: Principal,
  input: PutMappingBody,
): Promise<{ mapping: Mapping; created: boolean }> {
  const overrides = input.overrides ?? {};
  if (input.mode !== 'override' && Object.keys(overrides).length > 0) {
    throw badRequest('Overrides apply to the override mode only.', [
      { in: 'body', pointer: '/overrides', message: `must be empty when mode is ${input.mode}` },
    ]);
  }
  return withTenant(db, scopeOf(principal), async (tx) => {
    const missing: InvalidParam[] = [];
    if (!(await findSite(tx, input.site_id))) {
      missing.push({ in: 'body', pointer: '/site_id', message: 'is not a site of this organization' });
    }
    const item = await findItemWithSchema(tx, input.content_item_id);
    if (!item) {
      missing.push({
        in: 'body',
        pointer: '/content_item_id',
        message: 'is not a content item of this organization',
      });
    }
    if (missing.length > 0 || !item)
      throw unprocessable('The mapping refers to something that does not exist.', missing);

    if (input.mode === 'override') {
      const errors = validateData(item.schema, mergeOverrides(item.data, overrides), '/overrides');
      if (errors.length > 0) {
        throw unprocessable(
          'With these overrides the item no longer satisfies its content type schema.',
          errors,
        );
      }
    }

    const before = await findMapping(tx, input.site_id, input.content_item_id);
    const row = await upsertMapping(tx, {
      organizationId: principal.orgId,
      siteId: input.site_id,
      contentItemId: input.content_item_id,
      mode: input.mode,
      overrides,
    });
    await recordAudit(tx, principal, {
      action: before ? 'mapping.update' : 'mapping.create',
      entityType: 'mapping',
      entityId: row.id,
      before: before ? toMapping(before) : null,
      after: toMapping(row),
    });
    return { mapping: toMapping(row), created: !before };
  });
}

export function removeMapping(db: AppDb, principal: Principal, id: string): Promise<void> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const row = await deleteMapping(tx, id);
    if (!row) throw notFound('mapping');
    await recordAudit(tx, principal, {
      action: 'mapping.delete',
      entityType: 'mapping',
      entityId: id,
      before: toMapping(row),
    });
  });
}
