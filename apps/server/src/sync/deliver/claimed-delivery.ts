import type { DeliveryOutcome } from './deliver.js';
import type { DeliverJobData } from '../queue/queue-jobs.js';
import type { ClaimedRow } from './delivery-batch.repo.js';

/** A delivery this worker has claimed (read under its queue job) and is sending, with what sending and recording need. */
export interface ClaimedDelivery {
  /** The pg-boss job that asked for this send; completed once the outcome is recorded. */
  queueJobId: string;
  data: DeliverJobData;
  /** The row as claimed: `attempts` counts the sends before this one. */
  delivery: ClaimedRow;
  /**
   * Builds the exact bytes to send: the envelope with its payload's items, or the stored body of an older delivery.
   * Bytes, not a string: they are signed and written as they are, where a string is encoded to UTF-8 for each (16 KB
   * twice per delivery, a fifth of the worker's garbage). Built when the send has its HTTP slot and dropped after
   * it, so a claimed chunk of 2,000 deliveries does not hold its 2,000 bodies (34 MB) until the last is recorded.
   */
  buildBody: () => Buffer;
  siteSlug: string;
  url: string;
  secrets: string[];
}

/** A send's outcome in a few words, for log lines and a site's last error: `HTTP 500`, `timeout`, `ECONNREFUSED`… */
export function describeOutcome(outcome: DeliveryOutcome): string {
  if (outcome.kind === 'blocked') return `refused by the SSRF guard: ${outcome.error ?? 'private address'}`;
  if (outcome.status === null) return outcome.error ?? outcome.kind;
  // An answer whose status came but whose body was cut off or too slow: the status alone would read as a success.
  const after = outcome.error && !outcome.error.startsWith('HTTP') ? `, then ${outcome.error}` : '';
  return `HTTP ${outcome.status}${after}`;
}
