import { SLUGS, type Slug } from './sites.js';

// Optional misbehaviour for the demo (off unless the server starts with `faults: true`): a page that fails or
// answers slowly shows DataSync's retries and live logs at work.

export interface Faults {
  /** Webhook requests still to be answered 500, one fewer per request. */
  fail_next: number;
  /** Every webhook answer waits this long first (0 = none). */
  delay_ms: number;
}

export const FAULT_LIMITS = { fail_next: 1_000, delay_ms: 60_000 };

/** Validates a `POST /<slug>/faults` body: the new values, or a message naming the faulty field. */
export function parseFaults(body: unknown): Partial<Faults> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'the body must be a JSON object';
  const update: Partial<Faults> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key !== 'fail_next' && key !== 'delay_ms') return `/${key}: unknown field`;
    if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > FAULT_LIMITS[key])
      return `/${key}: must be an integer from 0 to ${FAULT_LIMITS[key]}`;
    update[key] = value as number;
  }
  return update;
}

export function createFaultBoard() {
  const faults = Object.fromEntries(SLUGS.map((slug) => [slug, { fail_next: 0, delay_ms: 0 }])) as Record<
    Slug,
    Faults
  >;
  return {
    get: (slug: Slug): Faults => ({ ...faults[slug] }),
    set: (slug: Slug, update: Partial<Faults>): Faults => ({ ...Object.assign(faults[slug], update) }),
    /** Applies the faults to one webhook request: waits, then says whether to fail it. */
    async before(slug: Slug): Promise<'fail' | 'pass'> {
      const { delay_ms } = faults[slug];
      if (delay_ms > 0) await new Promise((resolve) => setTimeout(resolve, delay_ms));
      if (faults[slug].fail_next <= 0) return 'pass';
      faults[slug].fail_next -= 1;
      return 'fail';
    },
  };
}

export type FaultBoard = ReturnType<typeof createFaultBoard>;
