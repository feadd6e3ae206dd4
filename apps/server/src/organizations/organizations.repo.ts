import { eq } from 'drizzle-orm';
import { organizations } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';

export type OrganizationRow = typeof organizations.$inferSelect;

export async function insertOrganization(
  tx: Tx,
  values: { id: string; name: string; slug: string },
): Promise<OrganizationRow> {
  const [row] = await tx.insert(organizations).values(values).returning();
  return row!;
}

/** The current tenant's organization (RLS shows no other). */
export async function findCurrentOrganization(tx: Tx): Promise<OrganizationRow | undefined> {
  const [row] = await tx.select().from(organizations);
  return row;
}

export async function renameOrganization(
  tx: Tx,
  id: string,
  name: string,
): Promise<OrganizationRow | undefined> {
  const [row] = await tx
    .update(organizations)
    .set({ name, updatedAt: new Date().toISOString() })
    .where(eq(organizations.id, id))
    .returning();
  return row;
}
