import { fileURLToPath } from 'node:url';

/** apps/server/migrations: plain SQL files plus drizzle's journal, shared by both drivers. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
