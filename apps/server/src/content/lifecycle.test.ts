import { CONTENT_STATUSES, type ContentStatus } from '@datasync/contracts';
import { describe, expect, it } from 'vitest';
import { canTransition, concernsSites, lifecycleAction, publishedAtChange } from './lifecycle.js';

const ALLOWED = new Set([
  'draft→published',
  'draft→archived',
  'published→draft',
  'published→archived',
  'archived→draft',
]);

describe('content lifecycle', () => {
  it('allows exactly the documented moves, and staying put', () => {
    for (const from of CONTENT_STATUSES) {
      for (const to of CONTENT_STATUSES) {
        expect(canTransition(from, to), `${from}→${to}`).toBe(from === to || ALLOWED.has(`${from}→${to}`));
      }
    }
  });

  it('names each move for the audit log', () => {
    const cases: [ContentStatus, ContentStatus, string | null][] = [
      ['draft', 'published', 'publish'],
      ['published', 'draft', 'unpublish'],
      ['draft', 'archived', 'archive'],
      ['published', 'archived', 'archive'],
      ['archived', 'draft', 'restore'],
      ['published', 'published', null],
    ];
    for (const [from, to, action] of cases) expect(lifecycleAction(from, to)).toBe(action);
  });

  it('sets published_at on publication, keeps it while published or archived, clears it on draft', () => {
    expect(publishedAtChange(null, 'published')).toBe('set');
    expect(publishedAtChange(null, 'draft')).toBe('clear');
    expect(publishedAtChange(null, 'archived')).toBe('clear');
    expect(publishedAtChange('draft', 'published')).toBe('set');
    expect(publishedAtChange('published', 'published')).toBe('keep');
    expect(publishedAtChange('published', 'archived')).toBe('keep');
    expect(publishedAtChange('archived', 'draft')).toBe('clear');
    expect(publishedAtChange('published', 'draft')).toBe('clear');
  });

  it('concerns the sites exactly when the item is or was published (null: created or deleted)', () => {
    const concerned = new Set([
      'null→published',
      'draft→published',
      'archived→published',
      'published→published',
      'published→draft',
      'published→archived',
      'published→null',
    ]);
    const statuses = [null, ...CONTENT_STATUSES];
    for (const before of statuses) {
      for (const after of statuses) {
        const move = `${before}→${after}`;
        expect(concernsSites(before, after), move).toBe(concerned.has(move));
      }
    }
  });
});
