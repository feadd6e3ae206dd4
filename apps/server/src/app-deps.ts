import type { Auth } from './auth/better-auth.js';
import type { Config } from './config.js';
import type { AppDb } from './db/types.js';
import type { Keys } from './secret-key.js';

/** The side effects routes and services are given (DESIGN §5): real ones in main.ts, real or fake in tests. */
export interface AppDeps {
  config: Config;
  db: AppDb;
  auth: Auth;
  keys: Keys;
}
