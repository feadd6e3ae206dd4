import { createHash } from 'node:crypto';
import type { PayloadItem } from '@datasync/contracts';
import { canonicalJson } from './plan.js';

export interface EncodedPayload {
  /** Equal to `hashItems(items)` (plan.ts): compared with the snapshot's hash to skip unchanged sites. */
  hash: string;
  /** Equal to `JSON.stringify(items)`: spliced into the webhook body. */
  itemsJson: string;
  /** The UTF-8 size of itemsJson. */
  itemsBytes: number;
}

interface EncodedItem {
  canonical: string;
  json: string;
  /** A number for an item shared by every site that maps it as-is; undefined for a site's own (overridden) one. */
  shared: number | undefined;
}

/**
 * Hashes and serializes the payloads of one plan. An item sent as-is (`full`) is the same for every site that maps
 * it, so its canonical and plain JSON are computed once per plan, not once per site: with 1,000 sites and 16 KB
 * payloads this is most of the planner's CPU time. Items with overrides differ per site and are encoded each time.
 */
export function createPayloadEncoder(): (items: PayloadItem[]) => EncodedPayload {
  // Keyed by the item's data object: the plan inputs give every site the same object for one content item, and
  // an item sent as-is carries that object, so a hit can only be the same item.
  const fullItems = new WeakMap<object, EncodedItem>();
  let nextShared = 0;
  const encodeItem = (item: PayloadItem, shared?: number): EncodedItem => ({
    canonical: canonicalJson(item),
    json: JSON.stringify(item),
    shared,
  });
  const payloads = new Map<string, EncodedPayload>();
  // Sites whose items are all shared ones, in the same order, get the same payload: found by the items' numbers,
  // it is neither joined nor hashed again (hashing 16 KB per site would be a third of a 10,000-site plan's CPU).
  const bySharedItems = new Map<string, EncodedPayload>();

  return (items) => {
    const encodedItems = items.map((item) => {
      const key = item.mode === 'full' && typeof item.data === 'object' && item.data ? item.data : undefined;
      let encoded = key && fullItems.get(key);
      if (!encoded) {
        encoded = encodeItem(item, key ? nextShared++ : undefined);
        if (key) fullItems.set(key, encoded);
      }
      return encoded;
    });
    const sharedKey = encodedItems.every((encoded) => encoded.shared !== undefined)
      ? encodedItems.map((encoded) => encoded.shared).join(',')
      : undefined;
    const known = sharedKey === undefined ? undefined : bySharedItems.get(sharedKey);
    if (known) return known;
    const canonical = encodedItems.map((encoded) => encoded.canonical);
    const json = encodedItems.map((encoded) => encoded.json);
    // An array's canonical JSON is its elements' canonical JSON joined by commas, as JSON.stringify writes it.
    const hash = createHash('sha256')
      .update(`[${canonical.join(',')}]`)
      .digest('hex');
    // Sites that get the same items share one payload object: one string in memory, one row to store.
    let payload = payloads.get(hash);
    if (!payload) {
      const itemsJson = `[${json.join(',')}]`;
      payload = { hash, itemsJson, itemsBytes: Buffer.byteLength(itemsJson) };
      payloads.set(hash, payload);
    }
    if (sharedKey !== undefined) bySharedItems.set(sharedKey, payload);
    return payload;
  };
}
