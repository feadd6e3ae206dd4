/** The demo's three campaign sites, by the slugs DataSync's demo data gives them. */
export const SLUGS = ['facebook', 'google', 'instagram'] as const;

export type Slug = (typeof SLUGS)[number];

export const isSlug = (value: string): value is Slug => (SLUGS as readonly string[]).includes(value);

export const PLATFORM_NAMES: Record<Slug, string> = {
  facebook: 'Facebook',
  google: 'Google',
  instagram: 'Instagram',
};
