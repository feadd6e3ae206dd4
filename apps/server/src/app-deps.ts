import type { Auth } from './auth/better-auth.js';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { Config } from './config.js';
import type { AppDb, Database } from './db/types.js';
import type { DemoLanding } from './demo/demo-landing.js';
import type { WrittenLines } from './live/index.js';
import type { Keys } from './secret-key.js';
import type { Metrics } from './metrics/metrics.js';
import type { SyncQueue } from './sync/jobs/sync-jobs.service.js';

/** The side effects routes and services are given (DESIGN §5): real ones in main.ts, real or fake in tests. */
export interface AppDeps {
  config: Config;
  db: AppDb;
  auth: Auth;
  keys: Keys;
  /** The job queue, and a wake-up for this process's sync worker. */
  queue: SyncQueue;
  metrics: Metrics;
  /**
   * LISTEN/NOTIFY of the database (`database.listen`), which wakes live event streams when log lines commit in any
   * process. Without it the streams re-read every second instead.
   */
  listen?: Database['listen'];
  /**
   * Raw SQL as the connection role (`database.executeSql`). Only for statements that set their own tenant scope:
   * the live tails' one-round-trip reads (selectAsTenant).
   */
  executeSql: Database['executeSql'];
  /**
   * `writtenLinesFor(database, engineHere)`: the log lines this process writes (its engine thread's too), which its
   * live tails take at the commit's notification instead of reading them back (written-lines.ts).
   */
  writtenLines?: WrittenLines;
  /** Failed logins per account (login-throttle.ts); default: one of its own with the real clock. */
  loginThrottle?: LoginThrottle;
  /** The demo landing pages running in this process (`datasync serve`), which learn the demo sites' secrets. */
  demoLanding?: DemoLanding;
}
