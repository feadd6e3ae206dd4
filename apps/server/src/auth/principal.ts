// Bridge for sync/preview.service.ts and sync/sync-jobs.service.ts, whose imports move to access/principal.ts with
// the sync/ restructuring.
export { scopeOf, type Principal, type SessionUser } from '../access/principal.js';
