import { desc, eq } from 'drizzle-orm';
import { alertChannels } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';

export type AlertChannelRow = typeof alertChannels.$inferSelect;
export type NewAlertChannel = typeof alertChannels.$inferInsert;

/** Newest first. An organization has a handful of channels: no pages. */
export function listChannels(tx: Tx): Promise<AlertChannelRow[]> {
  return tx.select().from(alertChannels).orderBy(desc(alertChannels.createdAt), desc(alertChannels.id));
}

export async function findChannel(tx: Tx, id: string): Promise<AlertChannelRow | undefined> {
  const [row] = await tx.select().from(alertChannels).where(eq(alertChannels.id, id));
  return row;
}

export async function insertChannel(tx: Tx, values: NewAlertChannel): Promise<AlertChannelRow> {
  const [row] = await tx.insert(alertChannels).values(values).returning();
  return row!;
}

/** Its sends stay, without their channel (foreign key ON DELETE SET NULL): a pending one is then given up. */
export async function deleteChannel(tx: Tx, id: string): Promise<AlertChannelRow | undefined> {
  const [row] = await tx.delete(alertChannels).where(eq(alertChannels.id, id)).returning();
  return row;
}
