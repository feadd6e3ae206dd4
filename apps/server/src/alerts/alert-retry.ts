import { nextDurableDelay } from '../sync/deliver/retry-policy.js';

export type AlertRetryDelay = (attempt: number) => number | null;

/**
 * How long after its failed attempt number `attempt` (the first is 1) an alert send is tried again, or null to
 * give it up: the sites' durable schedule (RETRY_SCHEDULE), so an alert endpoint gets the same patience as a site.
 */
export function alertRetryDelayOf(schedule: readonly number[]): AlertRetryDelay {
  return (attempt) => nextDurableDelay(schedule, attempt);
}
