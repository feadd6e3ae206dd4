import type { DeliveryOutcome } from './deliver.js';
import type { DeliverJobData } from './sync-context.js';
import type { DeliveryRow } from './sync-jobs.repo.js';

/** A delivery this worker has claimed (`in_progress`) and is sending, with what sending and recording need. */
export interface ClaimedDelivery {
  /** The pg-boss job that asked for this send; completed once the outcome is recorded. */
  queueJobId: string;
  data: DeliverJobData;
  /** The row as claimed: `attempts` counts the sends before this one. */
  delivery: DeliveryRow;
  /** The exact body to send: the envelope with its payload's items, or the stored body of an older delivery. */
  body: string;
  siteSlug: string;
  siteCreatedAt: string;
  url: string;
  secrets: string[];
}

export function describeOutcome(outcome: DeliveryOutcome): string {
  if (outcome.kind === 'blocked') return `refused by the SSRF guard: ${outcome.error ?? 'private address'}`;
  return outcome.status !== null ? `HTTP ${outcome.status}` : (outcome.error ?? outcome.kind);
}
