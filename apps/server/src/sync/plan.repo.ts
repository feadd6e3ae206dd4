import { and, eq, ne } from 'drizzle-orm';
import { contentItems, contentTypes, siteItemMappings } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';
import type { PlanItem, PlanMapping } from './plan.js';

/**
 * The plan's inputs for one site: the items it maps (not blocked) with their mappings. Drafts and archived items
 * come back too; excluding them is the plan's rule, kept in one place.
 */
export async function loadSitePlanInputs(
  tx: Tx,
  siteId: string,
): Promise<{ items: PlanItem[]; mappings: PlanMapping[] }> {
  const rows = await tx
    .select({
      id: contentItems.id,
      title: contentItems.title,
      contentType: contentTypes.slug,
      status: contentItems.status,
      data: contentItems.data,
      createdAt: contentItems.createdAt,
      mode: siteItemMappings.mode,
      overrides: siteItemMappings.overrides,
    })
    .from(siteItemMappings)
    .innerJoin(contentItems, eq(contentItems.id, siteItemMappings.contentItemId))
    .innerJoin(contentTypes, eq(contentTypes.id, contentItems.contentTypeId))
    .where(and(eq(siteItemMappings.siteId, siteId), ne(siteItemMappings.mode, 'block')));
  return {
    items: rows.map(({ mode: _mode, overrides: _overrides, ...item }) => item),
    mappings: rows.map((row) => ({ contentItemId: row.id, mode: row.mode, overrides: row.overrides })),
  };
}
