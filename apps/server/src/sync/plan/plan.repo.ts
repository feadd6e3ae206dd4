import { and, eq, ne, sql } from 'drizzle-orm';
import { contentItems, contentTypes, siteItemMappings } from '../../db/schema/index.js';
import { uuidArray } from '../../db/sql-arrays.js';
import type { Tx } from '../../db/types.js';
import type { PlanItem, PlanMapping } from './plan.js';

export interface SitePlanInputs {
  items: PlanItem[];
  mappings: PlanMapping[];
}

/**
 * The plan's inputs for many sites at once: per site, the items it maps (not blocked) with their mappings.
 * Drafts and archived items come back too; excluding them is the plan's rule, kept in one place. An item mapped
 * to several sites is one object shared by all of them, so the planner can serialize it once.
 */
export async function loadPlanInputsForSites(
  tx: Tx,
  siteIds: string[],
): Promise<Map<string, SitePlanInputs>> {
  const inputs = new Map<string, SitePlanInputs>(siteIds.map((id) => [id, { items: [], mappings: [] }]));
  if (siteIds.length === 0) return inputs;
  // Mappings and items in two queries, not one join: an item mapped to 1,000 sites would otherwise come back
  // (and be parsed) 1,000 times.
  const mappings = await tx
    .select({
      siteId: siteItemMappings.siteId,
      contentItemId: siteItemMappings.contentItemId,
      mode: siteItemMappings.mode,
      overrides: siteItemMappings.overrides,
    })
    .from(siteItemMappings)
    .where(
      and(sql`${siteItemMappings.siteId} = ANY(${uuidArray(siteIds)})`, ne(siteItemMappings.mode, 'block')),
    );
  const itemIds = [...new Set(mappings.map((mapping) => mapping.contentItemId))];
  const items = new Map(
    (itemIds.length === 0
      ? []
      : await tx
          .select({
            id: contentItems.id,
            title: contentItems.title,
            contentType: contentTypes.slug,
            status: contentItems.status,
            data: contentItems.data,
            createdAt: contentItems.createdAt,
          })
          .from(contentItems)
          .innerJoin(contentTypes, eq(contentTypes.id, contentItems.contentTypeId))
          .where(sql`${contentItems.id} = ANY(${uuidArray(itemIds)})`)
    ).map((item): [string, PlanItem] => [item.id, item]),
  );
  for (const { siteId, ...mapping } of mappings) {
    const item = items.get(mapping.contentItemId);
    if (!item) continue;
    const site = inputs.get(siteId)!;
    site.items.push(item);
    site.mappings.push(mapping);
  }
  return inputs;
}

/** One site's plan inputs (the preview). */
export async function loadSitePlanInputs(tx: Tx, siteId: string): Promise<SitePlanInputs> {
  return (await loadPlanInputsForSites(tx, [siteId])).get(siteId)!;
}
