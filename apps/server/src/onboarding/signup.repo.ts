import { eq, ne, sql } from 'drizzle-orm';
import { users } from '../db/schema/index.js';
import type { AppDb } from '../db/types.js';

// An arbitrary constant (not the migrations' 7_246_913): sign-ups that may be the install's first queue on it.
const FIRST_SIGNUP_LOCK_KEY = 7_246_914;

/** Whether any account exists. `users` is identity data, read as the connection role (no tenant involved). */
export async function anyUserExists(db: AppDb): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).limit(1);
  return row !== undefined;
}

/**
 * Makes `userId` the install's first user if no other account exists, deciding concurrent sign-ups one at a
 * time: each holds the lock while it looks, and a loser's account is deleted before the lock is released, so of
 * two simultaneous first sign-ups exactly one wins. Returns whether `userId` won.
 */
export function claimFirstUser(db: AppDb, userId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${FIRST_SIGNUP_LOCK_KEY})`);
    const [other] = await tx.select({ id: users.id }).from(users).where(ne(users.id, userId)).limit(1);
    if (!other) return true;
    await tx.delete(users).where(eq(users.id, userId));
    return false;
  });
}

/** Undoes a sign-up whose organization or membership could not be created, so the email is free to try again. */
export async function deleteUser(db: AppDb, userId: string): Promise<void> {
  await db.delete(users).where(eq(users.id, userId));
}
