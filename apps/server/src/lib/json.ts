// Small JSON helpers shared by validation, the storable-text check and the sync plan.

/** One segment of a JSON Pointer (RFC 6901): `~` and `/` are escaped. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// PostgreSQL cannot store U+0000 in text or jsonb, and jsonb refuses an unpaired surrogate escape ("\ud800"),
// which is how JSON.stringify writes one: either would fail the INSERT with a 500, so both are refused up front.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL could not store `text`, or null when it can. */
export function unstorableTextReason(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the character U+0000';
  return LONE_SURROGATE.test(text) ? 'must not contain an unpaired surrogate' : null;
}
