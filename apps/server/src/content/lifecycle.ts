import type { ContentStatus } from '@datasync/contracts';

/** The moves an item may make; staying in the same status is always allowed (and changes nothing). */
const TRANSITIONS: Record<ContentStatus, readonly ContentStatus[]> = {
  draft: ['published', 'archived'],
  published: ['draft', 'archived'],
  archived: ['draft'],
};

export type LifecycleAction = 'publish' | 'unpublish' | 'archive' | 'restore';

export function canTransition(from: ContentStatus, to: ContentStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: ContentStatus): readonly ContentStatus[] {
  return TRANSITIONS[from];
}

/** The audit verb of a status change, or null when the status stays. */
export function lifecycleAction(from: ContentStatus, to: ContentStatus): LifecycleAction | null {
  if (from === to) return null;
  if (to === 'published') return 'publish';
  if (to === 'archived') return 'archive';
  return from === 'published' ? 'unpublish' : 'restore';
}

/**
 * What happens to `published_at` on a move to `to` (`from` null: the item is being created). It records the
 * latest publication: set when an item becomes published, kept while it stays published and when it is archived
 * (when it was last live), cleared when it goes back to draft. The database clock sets it, like created_at.
 */
export function publishedAtChange(from: ContentStatus | null, to: ContentStatus): 'set' | 'keep' | 'clear' {
  if (to === 'draft') return 'clear';
  if (to === 'published') return from === 'published' ? 'keep' : 'set';
  return from === null ? 'clear' : 'keep';
}

/** Whether a change to an item concerns the sites: anything that makes it, keeps it or stops it being published. */
export function concernsSites(before: ContentStatus | null, after: ContentStatus | null): boolean {
  return before === 'published' || after === 'published';
}
