import { sql, type SQL } from 'drizzle-orm';

// Set-based statements take their lists as ONE array parameter (`= ANY($1::uuid[])`, `unnest(...)`) instead of
// Drizzle's `IN ($1, …, $n)`: a 10,000-site sync stays one short statement, with no parameter-count limit. The
// array travels as its text form, which both drivers (node-postgres and PGlite) pass through unchanged.

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `$n::uuid[]` for a list of UUIDs (checked, so the literal cannot be malformed). */
export function uuidArray(ids: readonly string[]): SQL {
  for (const id of ids) if (!UUID.test(id)) throw new Error(`Not a UUID: ${id}`);
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/** `$n::int[]` for a list of integers; null stays NULL. */
export function intArray(values: readonly (number | null)[]): SQL {
  for (const value of values)
    if (value !== null && !Number.isSafeInteger(value)) throw new Error(`Not an integer: ${value}`);
  return sql`${`{${values.map((value) => (value === null ? 'NULL' : String(value))).join(',')}}`}::int[]`;
}

/** `$n::text[]` for a list of hex digests (checked: no quoting needed in the array literal). */
export function hexArray(values: readonly string[]): SQL {
  for (const value of values) if (!/^[0-9a-f]+$/.test(value)) throw new Error(`Not a hex digest: ${value}`);
  return sql`${`{${values.join(',')}}`}::text[]`;
}
