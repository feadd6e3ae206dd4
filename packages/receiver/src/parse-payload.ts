import type { FieldError } from './problem.js';
import type { ContentSyncedEvent } from './types.js';

export type ParseResult = { ok: true; event: ContentSyncedEvent } | { ok: false; errors: FieldError[] };

const MAX_ID_LENGTH = 200;
/** Enough to fix a payload; a body with thousands of bad items should not get an answer as large. */
const MAX_ERRORS = 50;
/**
 * DataSync sends item data at most 64 levels deep, under 4 levels of envelope. A deeper body is refused here: the
 * stores copy and serialize the event recursively, and 10,000 levels overflowed the stack there, which was answered
 * 500 "store failed", so the sender retried a payload that can never be stored (found by receiver.fuzz.test.ts).
 */
export const MAX_DEPTH = 128;

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Values nested deeper than MAX_DEPTH, and keys that reach a prototype if the application later assigns or merges
 * the event into an object (`__proto__`, and `prototype` inside `constructor`): the DataSync API refuses both in
 * content, so a signed body holding one is not a DataSync payload. Iterative, so any depth is safe to walk.
 */
function findUnsafeStructure(body: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const pending: [unknown, string, number][] = [[body, '', 0]];
  while (pending.length > 0 && errors.length < MAX_ERRORS) {
    const [value, pointer, depth] = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) {
      errors.push({ in: 'body', pointer, message: `is nested deeper than ${MAX_DEPTH} levels` });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (key === '__proto__')
        errors.push({ in: 'body', pointer: at, message: 'is a prototype-polluting key' });
      else if (key === 'constructor' && isObject(child) && Object.hasOwn(child, 'prototype'))
        errors.push({ in: 'body', pointer: `${at}/prototype`, message: 'is a prototype-polluting key' });
      else pending.push([child, at, depth + 1]);
    }
  }
  return errors.slice(0, MAX_ERRORS);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks the body against the webhook format field by field, so a 400 names every field at fault (as JSON
 * Pointers) instead of failing later on a half-valid payload. Fields the format does not define are allowed:
 * a newer DataSync may add some.
 */
export function parsePayload(text: string): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, errors: [{ in: 'body', pointer: '', message: 'is not valid JSON' }] };
  }
  const unsafe = findUnsafeStructure(body);
  if (unsafe.length > 0) return { ok: false, errors: unsafe };
  const errors: FieldError[] = [];
  const fail = (pointer: string, message: string) => errors.push({ in: 'body', pointer, message });
  const requireString = (value: unknown, pointer: string, maxLength = Infinity) => {
    if (typeof value !== 'string' || value === '') fail(pointer, 'must be a non-empty string');
    else if (value.length > maxLength) fail(pointer, `must be at most ${maxLength} characters`);
  };

  if (!isObject(body)) {
    fail('', 'must be a JSON object');
    return { ok: false, errors };
  }
  if (body.type !== 'content.synced') fail('/type', 'must be "content.synced"');
  if (typeof body.timestamp !== 'string' || Number.isNaN(Date.parse(body.timestamp)))
    fail('/timestamp', 'must be an ISO 8601 date-time');

  const data = body.data;
  if (!isObject(data)) {
    fail('/data', 'must be an object');
    return { ok: false, errors };
  }
  if (!isObject(data.site)) fail('/data/site', 'must be an object');
  else {
    requireString(data.site.id, '/data/site/id', MAX_ID_LENGTH);
    requireString(data.site.slug, '/data/site/slug');
    requireString(data.site.name, '/data/site/name');
  }
  if (!Number.isSafeInteger(data.version) || (data.version as number) < 1)
    fail('/data/version', 'must be a positive integer');
  requireString(data.job_id, '/data/job_id');

  if (!Array.isArray(data.items)) fail('/data/items', 'must be an array');
  else
    data.items.forEach((item: unknown, index) => {
      const at = `/data/items/${index}`;
      if (!isObject(item)) return fail(at, 'must be an object');
      requireString(item.id, `${at}/id`, MAX_ID_LENGTH);
      if (typeof item.title !== 'string') fail(`${at}/title`, 'must be a string');
      requireString(item.content_type, `${at}/content_type`);
      if (!isObject(item.data)) fail(`${at}/data`, 'must be an object');
      if (item.mode !== 'full' && item.mode !== 'override')
        fail(`${at}/mode`, 'must be "full" or "override"');
    });

  return errors.length > 0
    ? { ok: false, errors: errors.slice(0, MAX_ERRORS) }
    : { ok: true, event: body as unknown as ContentSyncedEvent };
}
