import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSigningSecret, writeFileAtomic } from '@datasync/receiver';
import { isSlug, SLUGS, type Slug } from './sites.js';

/** Each organization that loads the demo adds one secret per page; beyond this many the oldest go first. */
export const MAX_SECRETS_PER_PAGE = 50;

export interface SecretRegistry {
  /** Every secret a page accepts: the registered ones, then the fixed ones given at start-up. */
  secretsFor(slug: Slug): string[];
  /** Adds a secret for a page and persists it before resolving, so the first delivery already verifies. */
  register(slug: string, secret: string): Promise<void>;
}

type Registered = Record<Slug, string[]>;

const emptyRegistry = (): Registered => ({ facebook: [], google: [], instagram: [] });

async function load(path: string): Promise<Registered> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistry();
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Registered>;
  const registered = emptyRegistry();
  for (const slug of SLUGS) registered[slug] = (parsed[slug] ?? []).filter((s) => typeof s === 'string');
  return registered;
}

/**
 * The signing secrets of the demo sites, persisted in `<dataDir>/secrets.json` (mode 0600: they are keys). DataSync
 * shows a site's secret once, when the demo creates it, and hands it over through `register`; a restarted landing
 * server still knows it.
 */
export async function openSecretRegistry(
  dataDir: string,
  fixed: Partial<Record<Slug, readonly string[]>> = {},
): Promise<SecretRegistry> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'secrets.json');
  const registered = await load(path);
  for (const secrets of Object.values(fixed)) secrets?.forEach(assertSigningSecret);
  let saving = Promise.resolve();

  return {
    secretsFor: (slug) => [...registered[slug], ...(fixed[slug] ?? [])],
    async register(slug, secret) {
      if (!isSlug(slug))
        throw new Error(`Unknown landing page "${slug}" (expected one of ${SLUGS.join(', ')})`);
      assertSigningSecret(secret);
      if (registered[slug].includes(secret)) return;
      registered[slug] = [...registered[slug], secret].slice(-MAX_SECRETS_PER_PAGE);
      // One write at a time, each of the whole registry: concurrent registrations cannot lose one another.
      const snapshot = JSON.stringify(registered, null, 2);
      saving = saving.catch(() => undefined).then(() => writeFileAtomic(path, snapshot, { mode: 0o600 }));
      await saving;
    },
  };
}
