import { isSlug, SLUGS, type Slug } from './sites.js';

export interface LandingEnv {
  port: number;
  host: string;
  dataDir: string;
  secrets: Partial<Record<Slug, string[]>>;
  faults: boolean;
}

export class LandingEnvError extends Error {}

/**
 * `facebook=whsec_…,google=whsec_…` (a slug may repeat: several secrets). Split at the first `=` only: base64
 * secrets may end in `=`.
 */
export function parseSecretList(list: string): Partial<Record<Slug, string[]>> {
  const secrets: Partial<Record<Slug, string[]>> = {};
  for (const entry of list.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const at = entry.indexOf('=');
    const slug = entry.slice(0, Math.max(at, 0)).trim();
    const secret = entry.slice(at + 1).trim();
    if (at < 1 || !isSlug(slug) || secret === '')
      throw new LandingEnvError(
        `LANDING_SECRETS: expected <${SLUGS.join('|')}>=<secret>, got "${slug || entry}=…"`,
      );
    (secrets[slug] ??= []).push(secret);
  }
  return secrets;
}

/** The stand-alone landing server's settings, from the environment (see apps/landing/README.md). */
export function landingEnv(env: NodeJS.ProcessEnv = process.env): LandingEnv {
  const port = Number(env.LANDING_PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LandingEnvError(`LANDING_PORT: "${env.LANDING_PORT}" is not a port number`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir: env.LANDING_DATA_DIR || './data/landing',
    secrets: parseSecretList(env.LANDING_SECRETS ?? ''),
    faults: env.LANDING_FAULTS === '1' || env.LANDING_FAULTS === 'true',
  };
}
