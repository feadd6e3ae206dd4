import { isPlainObject } from '../lib/json.js';

/**
 * Applies a site's overrides to an item's data as a JSON Merge Patch (RFC 7396): objects merge key by key, `null`
 * removes a key, anything else (arrays included) replaces. Neither input is modified. Keys are defined, not
 * assigned, so a `__proto__` key in stored JSON stays an ordinary property and cannot reach any prototype.
 */
export function mergeOverrides(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = {};
  if (isPlainObject(base)) {
    for (const [key, value] of Object.entries(base)) define(result, key, value);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else define(result, key, mergeOverrides(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
