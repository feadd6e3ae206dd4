import type { Tx } from '../../db/types.js';
import { payloadItemsByHash } from './delivery-batch.repo.js';

/**
 * The items arrays a worker sends, kept between batches: a 1,000-site sync that sends one payload to every site
 * reads its 16 KB once, not 1,000 times. A hash names one content, so an entry never goes stale. Bounded by total
 * size; the least recently used entries go first.
 */
export interface PayloadCache {
  /** The items JSON of each hash as UTF-8, read (under the caller's tenant) only for the ones not cached. */
  itemsOf(tx: Tx, orgId: string, hashes: string[]): Promise<Map<string, Buffer>>;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

type LoadPayloads = (tx: Tx, hashes: string[]) => Promise<{ hash: string; items: string }[]>;

export function createPayloadCache(
  maxBytes = DEFAULT_MAX_BYTES,
  load: LoadPayloads = payloadItemsByHash,
): PayloadCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first. Kept as UTF-8
  // bytes, encoded once: every body built from an entry copies them as they are.
  const entries = new Map<string, Buffer>();
  let totalBytes = 0;

  const remember = (key: string, items: Buffer) => {
    // Two batches that missed the same hash at once both store it: count it once.
    totalBytes -= entries.get(key)?.length ?? 0;
    entries.delete(key);
    entries.set(key, items);
    totalBytes += items.length;
    for (const [oldKey, oldItems] of entries) {
      if (totalBytes <= maxBytes || oldKey === key) break;
      entries.delete(oldKey);
      totalBytes -= oldItems.length;
    }
  };

  return {
    async itemsOf(tx, orgId, hashes) {
      const found = new Map<string, Buffer>();
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
        const items = Buffer.from(row.items);
        found.set(row.hash, items);
        remember(`${orgId}:${row.hash}`, items);
      }
      return found;
    },
  };
}
