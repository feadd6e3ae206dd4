import type { Tx } from '../db/types.js';
import { payloadItemsByHash } from './delivery-batch.repo.js';

/**
 * The items arrays a worker sends, kept between batches: a 1,000-site sync that sends one payload to every site
 * reads its 16 KB once, not 1,000 times. A hash names one content, so an entry never goes stale. Bounded by total
 * size; the least recently used entries go first.
 */
export interface PayloadCache {
  /** The items JSON of each hash, read (under the caller's tenant) only for the ones not cached. */
  itemsOf(tx: Tx, orgId: string, hashes: string[]): Promise<Map<string, string>>;
}

const DEFAULT_MAX_CHARS = 32 * 1024 * 1024;

type LoadPayloads = (tx: Tx, hashes: string[]) => Promise<{ hash: string; items: string }[]>;

export function createPayloadCache(
  maxChars = DEFAULT_MAX_CHARS,
  load: LoadPayloads = payloadItemsByHash,
): PayloadCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, string>();
  let totalChars = 0;

  const remember = (key: string, items: string) => {
    // Two batches that missed the same hash at once both store it: count it once.
    totalChars -= entries.get(key)?.length ?? 0;
    entries.delete(key);
    entries.set(key, items);
    totalChars += items.length;
    for (const [oldKey, oldItems] of entries) {
      if (totalChars <= maxChars || oldKey === key) break;
      entries.delete(oldKey);
      totalChars -= oldItems.length;
    }
  };

  return {
    async itemsOf(tx, orgId, hashes) {
      const found = new Map<string, string>();
      const missing: string[] = [];
      for (const hash of new Set(hashes)) {
        const key = `${orgId}:${hash}`;
        const items = entries.get(key);
        if (items === undefined) missing.push(hash);
        else {
          found.set(hash, items);
          // Re-inserted: now the most recently used. The total does not change.
          entries.delete(key);
          entries.set(key, items);
        }
      }
      for (const row of missing.length > 0 ? await load(tx, missing) : []) {
        found.set(row.hash, row.items);
        remember(`${orgId}:${row.hash}`, row.items);
      }
      return found;
    },
  };
}
