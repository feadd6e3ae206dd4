/** Something wrong at `pointer` (relative to the schema or data being checked). */
export interface SchemaIssue {
  pointer: string;
  message: string;
}

import { escapePointer, isPlainObject, unstorableTextReason } from '../lib/json.js';

/**
 * The first reason `value` cannot be checked or stored as jsonb: a container nested more than `maxDepth` deep
 * (Ajv, JSON.stringify and jsonb all recurse), or a string or key PostgreSQL refuses. Iterative, so it is safe on
 * input that would overflow the stack of anything recursive.
 */
export function jsonIssue(value: unknown, maxDepth: number): SchemaIssue | null {
  const stack: [unknown, string, number][] = [[value, '', 0]];
  while (stack.length > 0) {
    const [node, pointer, depth] = stack.pop()!;
    if (typeof node === 'string') {
      const message = unstorableTextReason(node);
      if (message) return { pointer, message };
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return { pointer, message: `nests deeper than ${maxDepth} levels` };
    const entries = Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, child] = entries[i]!;
      const at = `${pointer}/${escapePointer(key)}`;
      const keyMessage = Array.isArray(node) ? null : unstorableTextReason(key);
      if (keyMessage) return { pointer: at, message: `name ${keyMessage}` };
      stack.push([child, at, depth + 1]);
    }
  }
  return null;
}

// Where JSON Schema 2020-12 keeps subschemas. Everything else (enum, const, default, examples, x-ui, …) is data or
// annotation, so a key named like a keyword in there is not a keyword.
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const SCHEMA_SINGLES = [
  'items',
  'contains',
  'additionalProperties',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
];

/**
 * Every schema object in `schema` (itself included) with its JSON Pointer, in document order. Boolean schemas
 * have nothing to check and are skipped. Callers bound the depth first (jsonIssue).
 */
export function* subschemas(
  schema: unknown,
  pointer = '',
): Generator<{ node: Record<string, unknown>; pointer: string }> {
  if (!isPlainObject(schema)) return;
  yield { node: schema, pointer };
  for (const [keyword, value] of Object.entries(schema)) {
    const at = `${pointer}/${escapePointer(keyword)}`;
    if (SCHEMA_MAPS.includes(keyword) && isPlainObject(value)) {
      for (const [name, sub] of Object.entries(value)) yield* subschemas(sub, `${at}/${escapePointer(name)}`);
    } else if (SCHEMA_LISTS.includes(keyword) && Array.isArray(value)) {
      for (const [index, sub] of value.entries()) yield* subschemas(sub, `${at}/${index}`);
    } else if (SCHEMA_SINGLES.includes(keyword)) {
      yield* subschemas(value, at);
    }
  }
}

/** The pointer of the first subschema that `matches`, or undefined. */
export function findSubschema(
  schema: unknown,
  matches: (node: Record<string, unknown>) => boolean,
): string | undefined {
  for (const { node, pointer } of subschemas(schema)) if (matches(node)) return pointer;
  return undefined;
}
