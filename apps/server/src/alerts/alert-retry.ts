import { nextDurableDelay } from '../sync/deliver/retry-policy.js';

/**
 * How long after its failed attempt number `attempt` (the first is 1) an alert send is tried again, or null to
 * give it up. The one place alerts read the durable schedule: switch the schedule here, and tests pass a short one
 * of their own to the worker instead.
 */
export function alertRetryDelay(attempt: number): number | null {
  return nextDurableDelay(attempt);
}

export type AlertRetryDelay = (attempt: number) => number | null;
