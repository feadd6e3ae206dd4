/** What a wake-up announces: anything (a job may need planning), or only deliveries to send. */
export type WorkKind = 'any' | 'deliveries';

/** pg-boss job settings: a worker that dies mid-job has it back after `expireInSeconds`. */
export const PLAN_JOB_OPTIONS = { expireInSeconds: 300, retryLimit: 5, retryDelay: 5 } as const;
export const DELIVER_JOB_OPTIONS = { expireInSeconds: 120, retryLimit: 5, retryDelay: 5 } as const;

export interface PlanJobData {
  jobId: string;
  orgId: string;
}

/**
 * One queue job of the deliver queue: a plan's deliveries go in chunks (`deliveryIds`), so the queue's own rows
 * (insert, fetch, complete) are written once per chunk; a site's retry is a job of its one delivery
 * (`deliveryId`).
 */
export type DeliverJobData = ({ deliveryIds: string[] } | { deliveryId: string }) & {
  orgId: string;
  /** Which retry of RETRY_SCHEDULE this send is: 0 for a first send (a job's, a redelivery), 1 for the first retry. */
  retry: number;
};

/** Deliveries per queue job of a plan. */
export const DELIVERIES_PER_QUEUE_JOB = 64;

export function deliveryIdsOf(data: DeliverJobData): string[] {
  return 'deliveryIds' in data ? data.deliveryIds : [data.deliveryId];
}
