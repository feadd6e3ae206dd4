// The queue type content/ and publish-trigger.ts import from here.
export type { SyncQueue } from './jobs/sync-jobs.service.js';
