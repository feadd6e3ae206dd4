import { UUID } from './sql-arrays.js';

// Literals for SQL text sent without parameters: several statements in one message must use the simple query
// protocol, which has none (see selectAsTenant in tenant.ts). Only values whose form is checked here are inlined, so
// no quoting rule of the server can be got wrong.

/** `'…'` for a UUID (checked). */
export function uuidLiteral(value: string): string {
  if (!UUID.test(value)) throw new Error(`Not a UUID: ${value}`);
  return `'${value}'`;
}

/** The decimal form of a safe integer (checked). */
export function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Not an integer: ${value}`);
  return String(value);
}
