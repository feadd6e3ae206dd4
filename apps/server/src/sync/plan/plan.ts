import { createHash } from 'node:crypto';
import type { PayloadItem } from '@datasync/contracts';
import { mergeOverrides } from '../../content/merge-overrides.js';

// The sync plan: which items a site receives, in what form. Pure (no I/O), so it is unit-tested exhaustively and
// the preview route and the sync engine cannot disagree about what a site gets.

export type ContentStatus = 'draft' | 'published' | 'archived';
export type MappingMode = 'full' | 'override' | 'block';

export interface PlanItem {
  id: string;
  title: string;
  contentType: string;
  status: ContentStatus;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface PlanMapping {
  contentItemId: string;
  mode: MappingMode;
  overrides: Record<string, unknown>;
}

export type { PayloadItem };

/**
 * The items one site receives: published items it maps as `full` (as-is) or `override` (data merged with the
 * site's overrides). Blocked, unmapped, draft and archived items are left out. Ordered by creation, then id.
 */
export function planSiteItems(items: PlanItem[], mappings: PlanMapping[]): PayloadItem[] {
  const byItem = new Map(mappings.map((mapping) => [mapping.contentItemId, mapping]));
  return items
    .filter((item) => item.status === 'published')
    .flatMap((item) => {
      const mapping = byItem.get(item.id);
      if (!mapping || mapping.mode === 'block') return [];
      return [{ item, mapping }];
    })
    .sort((a, b) => compare(a.item.createdAt, b.item.createdAt) || compare(a.item.id, b.item.id))
    .map(({ item, mapping }) => ({
      id: item.id,
      title: item.title,
      content_type: item.contentType,
      data: mapping.mode === 'override' ? mergeOverrides(item.data, mapping.overrides) : item.data,
      mode: mapping.mode === 'override' ? 'override' : 'full',
    }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with object keys sorted at every level: equal content gives equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) {
      Object.defineProperty(sorted, key, {
        value: (inner as Record<string, unknown>)[key],
        enumerable: true,
      });
    }
    return sorted;
  });
}

/** The content fingerprint of a site's items: unchanged hash since the last accepted version = nothing to send. */
export function hashItems(items: PayloadItem[]): string {
  return createHash('sha256').update(canonicalJson(items)).digest('hex');
}

export interface ItemDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

/** What the next payload changes for a site, item by item, against what it last received. */
export function diffItems(previous: PayloadItem[], next: PayloadItem[]): ItemDiff {
  const before = new Map(previous.map((item) => [item.id, canonicalJson(item)]));
  const diff: ItemDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const item of next) {
    const old = before.get(item.id);
    if (old === undefined) diff.added.push(item.id);
    else diff[old === canonicalJson(item) ? 'unchanged' : 'changed'].push(item.id);
    before.delete(item.id);
  }
  diff.removed = [...before.keys()];
  return diff;
}
