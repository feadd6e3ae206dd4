import type { ReceiverStore, SiteRecord } from '../types.js';

/** Records in memory (lost on restart): for tests, or a site that re-syncs with `force` after it starts. */
export function createMemoryStore(): ReceiverStore & { list(): Promise<SiteRecord[]> } {
  const records = new Map<string, SiteRecord>();
  return {
    read: async (siteId) => structuredClone(records.get(siteId)),
    write: async (record) => void records.set(record.siteId, structuredClone(record)),
    list: async () => [...records.values()].map((record) => structuredClone(record)),
  };
}
