import { escapePointer, isPlainObject } from '../lib/json.js';
import {
  invalidRegExpReason,
  linearRegExp,
  linearRegExpIssue,
  MAX_PATTERN_WEIGHT,
  patternWeight,
} from './linear-regexp.js';
import { subschemas, type SchemaIssue } from './schema-walk.js';

export interface PatternIssues {
  /** Not a regular expression at all, or a property that also matches a pattern property (400). */
  invalid: SchemaIssue[];
  /** A valid ECMAScript pattern the linear-time engine cannot run, or too many patterns to compile (422). */
  unsupported: SchemaIssue[];
}

/** Every regular expression of a schema (`pattern`, `patternProperties` keys) with its pointer. */
function* patternsOf(
  schema: unknown,
): Generator<{ pattern: string; pointer: string; properties?: Record<string, unknown>; at: string }> {
  for (const { node, pointer } of subschemas(schema)) {
    if (typeof node.pattern === 'string')
      yield { pattern: node.pattern, pointer: `${pointer}/pattern`, at: pointer };
    if (isPlainObject(node.patternProperties)) {
      const properties = isPlainObject(node.properties) ? node.properties : {};
      for (const key of Object.keys(node.patternProperties)) {
        yield {
          pattern: key,
          pointer: `${pointer}/patternProperties/${escapePointer(key)}`,
          properties,
          at: pointer,
        };
      }
    }
  }
}

/**
 * Checks a schema's regular expressions, compiling each with the linear-time engine (so a schema that passes
 * compiles). Ajv's own check that no property also matches a pattern property runs patterns with `new RegExp`, on
 * names the schema's author chose: it is switched off (allowMatchingProperties) and done here instead.
 */
export function patternIssues(schema: Record<string, unknown>): PatternIssues {
  const issues: PatternIssues = { invalid: [], unsupported: [] };
  const weighed = new Set<string>();
  let weight = 0;
  for (const { pattern, pointer, properties, at } of patternsOf(schema)) {
    const invalid = invalidRegExpReason(pattern);
    if (invalid) {
      issues.invalid.push({ pointer, message: invalid });
      continue;
    }
    if (!weighed.has(pattern)) {
      weighed.add(pattern);
      weight += patternWeight(pattern);
      if (weight > MAX_PATTERN_WEIGHT) {
        issues.unsupported.push({
          pointer,
          message: `makes the schema's regular expressions too costly to compile (see docs/content-schemas.md)`,
        });
        return issues;
      }
    }
    const unsupported = linearRegExpIssue(pattern);
    if (unsupported) {
      issues.unsupported.push({ pointer, message: unsupported });
      continue;
    }
    if (!properties) continue;
    const regExp = linearRegExp(pattern, 'u');
    for (const name of Object.keys(properties)) {
      if (regExp.test(name)) {
        issues.invalid.push({
          pointer: `${at}/properties/${escapePointer(name)}`,
          message: `also matches the pattern property ${JSON.stringify(pattern)}`,
        });
      }
    }
  }
  return issues;
}

/** The first pattern of `schema` the linear-time engine refuses (a schema stored before it was checked). */
export const firstUnsupportedPattern = (schema: Record<string, unknown>): SchemaIssue | undefined =>
  patternIssues(schema).unsupported[0];
