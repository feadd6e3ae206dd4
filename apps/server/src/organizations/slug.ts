import { randomBytes } from 'node:crypto';

/** URL-safe slug from a display name; `unique` adds a random suffix for globally unique slugs. */
export function slugify(name: string, options: { unique?: boolean } = {}): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'org';
  return options.unique ? `${base}-${randomBytes(3).toString('hex')}` : base;
}
