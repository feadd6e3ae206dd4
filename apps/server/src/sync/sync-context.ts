// The queue job data publish-trigger.ts imports from here.
export { PLAN_JOB_OPTIONS, type PlanJobData } from './queue/queue-jobs.js';
