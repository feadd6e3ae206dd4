import { sql } from 'drizzle-orm';
import { sites } from '../../db/schema/index.js';
import { uuidArray } from '../../db/sql-arrays.js';
import type { Tx } from '../../db/types.js';

/** The sites' last sync status and time (and, with `disable`, the site switched off with that reason). */
export async function recordSitesSync(
  tx: Tx,
  siteIds: string[],
  values: { status: 'success' | 'failed' | 'up_to_date'; disable?: string },
): Promise<void> {
  if (siteIds.length === 0) return;
  await tx
    .update(sites)
    .set({
      lastSyncStatus: values.status,
      lastSyncAt: sql`now()`,
      ...(values.disable ? { enabled: false, disabledReason: values.disable } : {}),
    })
    .where(sql`${sites.id} = ANY(${uuidArray(siteIds)})`);
}
