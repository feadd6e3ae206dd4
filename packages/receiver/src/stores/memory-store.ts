import type { ReceiverStore, SiteRecord } from '../types.js';

/** Records in memory (lost on restart): for tests, or a site that re-syncs with `force` after it starts. */
export function createMemoryStore(): ReceiverStore & { list(): Promise<SiteRecord[]> } {
  const records = new Map<string, SiteRecord>();
  return {
    read: async (key) => structuredClone(records.get(key)),
    write: async (key, record) => void records.set(key, structuredClone(record)),
    list: async () => [...records.values()].map((record) => structuredClone(record)),
  };
}
