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

/**
 * Hashes and serializes the payloads of one plan. An item sent as-is (`full`) is the same for every site that maps
 * it, so its canonical and plain JSON are computed once per plan, not once per site: with 1,000 sites and 16 KB
 * payloads this is most of the planner's CPU time. Items with overrides differ per site and are encoded each time.
 */
export function createPayloadEncoder(): (items: PayloadItem[]) => EncodedPayload {
  // Keyed by the item's data object: the plan inputs give every site the same object for one content item, and
  // an item sent as-is carries that object, so a hit can only be the same item.
  const fullItems = new WeakMap<object, { canonical: string; json: string }>();
  const encodeItem = (item: PayloadItem) => ({ canonical: canonicalJson(item), json: JSON.stringify(item) });
  const payloads = new Map<string, EncodedPayload>();

  return (items) => {
    const canonical: string[] = [];
    const json: string[] = [];
    for (const item of items) {
      const key = item.mode === 'full' && typeof item.data === 'object' && item.data ? item.data : undefined;
      let encoded = key && fullItems.get(key);
      if (!encoded) {
        encoded = encodeItem(item);
        if (key) fullItems.set(key, encoded);
      }
      canonical.push(encoded.canonical);
      json.push(encoded.json);
    }
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
    return payload;
  };
}
