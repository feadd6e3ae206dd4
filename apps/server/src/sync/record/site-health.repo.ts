import { eq, sql } from 'drizzle-orm';
import { sites } from '../../db/schema/index.js';
import type { Tx } from '../../db/types.js';

// A site's health as a send that was not accepted changes it (an accepted one changes it in the statement that
// records it: outcomes.repo.ts). `health` itself is derived from these columns (sites.service.ts).

export interface SiteHealthBefore {
  organizationId: string;
  enabled: boolean;
  failingSince: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
}

/**
 * The site's health before this send's failure is recorded, its row locked until the transaction ends: a failure
 * recorded at the same time by another worker waits, then reads what this one wrote, so "it started failing" and
 * "it was disabled" are each seen by one transaction only.
 */
export async function lockSiteHealth(tx: Tx, siteId: string): Promise<SiteHealthBefore | undefined> {
  const [row] = await tx
    .select({
      organizationId: sites.organizationId,
      enabled: sites.enabled,
      failingSince: sites.failingSince,
      lastSuccessAt: sites.lastSuccessAt,
      createdAt: sites.createdAt,
    })
    .from(sites)
    .where(eq(sites.id, siteId))
    .for('no key update');
  return row;
}

/**
 * One more send not accepted: the site is failing (since the first of them), with the error of this one and the
 * time its pending retry is due (null when none is); with `disable`, it is switched off with that reason.
 */
export async function recordSiteFailure(
  tx: Tx,
  siteId: string,
  values: { lastError: string; nextAttemptAt: string | null; disable?: string },
): Promise<void> {
  await tx
    .update(sites)
    .set({
      lastSyncStatus: 'failed',
      lastSyncAt: sql`now()`,
      failingSince: sql`coalesce(${sites.failingSince}, now())`,
      consecutiveFailures: sql`${sites.consecutiveFailures} + 1`,
      lastError: values.lastError,
      nextAttemptAt: values.nextAttemptAt,
      ...(values.disable ? { enabled: false, disabledReason: values.disable } : {}),
    })
    .where(eq(sites.id, siteId));
}
