// The job statements publish-trigger.ts imports from here.
export {
  findQueuedPublishJob,
  insertSyncJob,
  setJobSites,
  sitesReceivingItem,
} from './jobs/sync-jobs.repo.js';
