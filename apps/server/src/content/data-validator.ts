import { hash } from 'node:crypto';
import type { InvalidParam } from '@datasync/contracts';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { escapePointer, isPlainObject } from '../lib/json.js';
import { ContentSchemaError } from './content-schema-error.js';
import { findSubschema, jsonIssue, subschemas, type SchemaIssue } from './schema-walk.js';
import { findRefCycle } from './ref-cycles.js';
import { invalidRegExpReason, linearRegExp } from './linear-regexp.js';
import { firstUnsupportedPattern, patternIssues } from './schema-patterns.js';
import { checkUiHints } from './ui-hints.js';
import { uniqueItemsKeyword } from './unique-items.js';

export const JSON_SCHEMA_2020 = 'https://json-schema.org/draft/2020-12/schema';
/** Deeper than this, Ajv (recursive) could overflow the stack; no real content form nests this far. */
export const MAX_SCHEMA_DEPTH = 64;
export const MAX_DATA_DEPTH = 64;
const CACHE_SIZE = 500;
/** A response listing 100,000 errors helps no one; past this, the rest are counted. */
export const MAX_REPORTED_ERRORS = 100;

/** Ajv keeps every function it ever compiled (in its code scope): a fresh instance after this many compiles. */
const COMPILES_PER_INSTANCE = 1000;

function makeAjv(): Ajv2020 {
  const instance = new Ajv2020({
    allErrors: true,
    // Unknown keywords are refused (a typo like "requried" must not silently accept anything), but a schema may
    // name required properties it does not describe, and put `properties` next to a union type.
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    // Ajv's check for a property that a pattern property also matches runs `new RegExp`: schema-patterns.ts does it.
    allowMatchingProperties: true,
    logger: false,
    code: { regExp: linearRegExp },
  });
  // ajv-formats is CommonJS: under NodeNext its callable is the default export's default (as in validation.ts).
  (formatsPlugin as unknown as { default: typeof formatsPlugin.default }).default(instance);
  // A value is only parsed, never run; the length limit bounds the parse (ajv-formats has none).
  instance.addFormat('regex', (value: string) => invalidRegExpReason(value) === undefined);
  instance.addKeyword({ keyword: 'x-ui', schemaType: 'object' });
  instance.removeKeyword('uniqueItems').addKeyword(uniqueItemsKeyword);
  return instance;
}

let ajv = makeAjv();
let compiles = 0;

const invalidSchema = (issues: SchemaIssue[]) => new ContentSchemaError('invalid', issues);

/** The field an Ajv error is about: the missing or unknown property itself, not the object that holds it. */
function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const child = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  if (typeof child === 'string') return `${error.instancePath}/${escapePointer(child)}`;
  if (error.keyword === 'propertyNames' && typeof params.propertyName === 'string') {
    return `${error.instancePath}/${escapePointer(params.propertyName)}`;
  }
  return error.instancePath;
}

function messageOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired':
      return 'is required';
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return 'is not a known field';
    case 'enum':
      return `must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues
        .map((value) => JSON.stringify(value))
        .join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** Meta-schema errors come in bunches per keyword (enum, type, anyOf for one bad `type`): keep the first. */
function firstPerPointer(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => !seen.has(issue.pointer) && seen.add(issue.pointer));
}

/** What Ajv's meta-schema does not check, or checks without saying where. */
function structuralIssues(schema: Record<string, unknown>): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (schema.type !== 'object') issues.push({ pointer: '/type', message: 'must be "object"' });
  if (!Object.hasOwn(schema, 'properties')) issues.push({ pointer: '/properties', message: 'is required' });
  for (const { node, pointer } of subschemas(schema)) {
    if (Object.hasOwn(node, '$id')) {
      issues.push({ pointer: `${pointer}/$id`, message: 'is not supported: use $defs and local $ref' });
    }
    issues.push(...checkUiHints(node, pointer));
  }
  const cycle = findRefCycle(schema);
  if (cycle !== undefined) {
    issues.push({
      pointer: cycle,
      message: 'leads back to itself without descending into a property or item',
    });
  }
  return issues;
}

/** Ajv's compile errors are plain text; find the place they mean where the text allows it. */
function compileIssue(schema: Record<string, unknown>, message: string): SchemaIssue {
  const keyword = /unknown keyword: "(.+)"/.exec(message)?.[1];
  if (keyword !== undefined) {
    const at = findSubschema(schema, (node) => Object.hasOwn(node, keyword));
    if (at !== undefined)
      return { pointer: `${at}/${escapePointer(keyword)}`, message: 'is not a known keyword' };
  }
  const format = /unknown format "(.*)" ignored in schema at path "#(.*)"/.exec(message);
  if (format)
    return { pointer: `${decodeURIComponent(format[2]!)}/format`, message: 'is not a known format' };
  const ref = /can't resolve reference (.+) from id/.exec(message)?.[1];
  if (ref !== undefined) {
    const at = findSubschema(schema, (node) => node.$ref === ref);
    if (at !== undefined) return { pointer: `${at}/$ref`, message: 'does not resolve to a schema' };
  }
  return { pointer: '', message };
}

// Compiled validators by a hash of the schema text: rows read from the database are new objects every time, so
// identity (a WeakMap) would never hit. Least recently used first out.
const validators = new Map<string, ValidateFunction>();

// The one-shot hash: every validation computes this key; a Hash object's set-up would be a sixth of its cost.
function cacheKey(schema: Record<string, unknown>): string {
  return hash('sha256', JSON.stringify(schema), 'base64url');
}

function remember(key: string, validate: ValidateFunction): ValidateFunction {
  validators.delete(key);
  validators.set(key, validate);
  if (validators.size > CACHE_SIZE) validators.delete(validators.keys().next().value!);
  return validate;
}

/**
 * One Ajv instance serves every organization. Content schemas may not carry `$id` (structuralIssues), so none
 * registers a name another organization's `$ref` could reach or collide with. Ajv's caches only grow (its schema
 * map by object identity, its code scope), so the schema is removed after compiling and the instance replaced
 * now and then, with our cache, whose validators hold on to it: memory stays bounded.
 */
function compile(schema: Record<string, unknown>): ValidateFunction {
  if (compiles >= COMPILES_PER_INSTANCE) {
    ajv = makeAjv();
    compiles = 0;
    validators.clear();
  }
  compiles += 1;
  try {
    return ajv.compile(schema);
  } finally {
    ajv.removeSchema(schema);
  }
}

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = cacheKey(schema);
  return remember(key, validators.get(key) ?? compile(schema));
}

/**
 * Throws a ContentSchemaError, `invalid`, unless `schema` is a JSON Schema 2020-12 a content type can use: an
 * object schema with properties, valid against the meta-schema, compilable (regexes, $refs, formats), with
 * well-formed `x-ui` hints; `unsupported-patterns` if it is, but has patterns the linear-time engine cannot run. A valid
 * schema's validator is compiled here and cached for validateData.
 */
export function assertValidContentSchema(schema: unknown): void {
  if (!isPlainObject(schema)) throw invalidSchema([{ pointer: '', message: 'must be a JSON Schema object' }]);
  const unusable = jsonIssue(schema, MAX_SCHEMA_DEPTH);
  if (unusable) throw invalidSchema([unusable]);
  const declared = schema.$schema;
  if (declared !== undefined && declared !== JSON_SCHEMA_2020 && declared !== `${JSON_SCHEMA_2020}#`) {
    throw invalidSchema([{ pointer: '/$schema', message: `must be "${JSON_SCHEMA_2020}" (or left out)` }]);
  }
  const metaIssues = ajv.validateSchema(schema)
    ? []
    : (ajv.errors ?? []).map((error) => ({ pointer: pointerOf(error), message: messageOf(error) }));
  const patterns = patternIssues(schema);
  const issues = firstPerPointer([...metaIssues, ...structuralIssues(schema), ...patterns.invalid]);
  if (issues.length > 0) throw invalidSchema(issues);
  if (patterns.unsupported.length > 0)
    throw new ContentSchemaError('unsupported-patterns', patterns.unsupported);
  const key = cacheKey(schema);
  if (validators.has(key)) return;
  try {
    remember(key, compile(schema));
  } catch (error) {
    if (error instanceof RangeError) {
      compiles = COMPILES_PER_INSTANCE; // an overflow may leave Ajv's state half-built: start afresh next time
      throw invalidSchema([
        { pointer: '', message: 'is too complex to compile: its references nest too deeply' },
      ]);
    }
    throw invalidSchema([compileIssue(schema, error instanceof Error ? error.message : String(error))]);
  }
}

/**
 * Every reason `data` fails `schema` (a schema assertValidContentSchema accepted), each with the JSON Pointer of
 * the field at fault prefixed by `pointerPrefix` (e.g. `/data/cta/text`); [] when valid.
 */
export function validateData(
  schema: Record<string, unknown>,
  data: unknown,
  pointerPrefix: string,
): InvalidParam[] {
  const unusable = jsonIssue(data, MAX_DATA_DEPTH);
  if (unusable) return [{ in: 'body', pointer: pointerPrefix + unusable.pointer, message: unusable.message }];
  let validate: ValidateFunction;
  try {
    validate = validatorFor(schema);
  } catch (error) {
    // A schema saved before its patterns were checked for the linear-time engine: say which one, not a 500.
    const unsupported = firstUnsupportedPattern(schema);
    if (!unsupported) throw error;
    const at = `/schema${unsupported.pointer}`;
    return [
      {
        in: 'body',
        pointer: pointerPrefix,
        message: `cannot be checked: the content type's ${at} ${unsupported.message}`,
      },
    ];
  }
  try {
    if (validate(data)) return [];
  } catch (error) {
    // A self-reference findRefCycle cannot see (e.g. through $dynamicRef) overflows the stack: bad input, not a 500.
    if (!(error instanceof RangeError)) throw error;
    return [
      { in: 'body', pointer: pointerPrefix, message: 'cannot be checked: the schema refers to itself' },
    ];
  }
  const errors = validate.errors ?? [];
  const reported: InvalidParam[] = errors.slice(0, MAX_REPORTED_ERRORS).map((error) => ({
    in: 'body',
    pointer: pointerPrefix + pointerOf(error),
    message: messageOf(error),
  }));
  if (errors.length > MAX_REPORTED_ERRORS) {
    const more = errors.length - MAX_REPORTED_ERRORS;
    reported.push({ in: 'body', pointer: pointerPrefix, message: `has ${more} more errors, not listed` });
  }
  return reported;
}

/** For tests: how many compiled validators are cached. */
export const cachedValidatorCount = () => validators.size;
