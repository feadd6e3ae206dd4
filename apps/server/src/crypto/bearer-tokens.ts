import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PREFIX = 'dsk_';

/**
 * API keys are 256 random bits, so a plain SHA-256 is the right stored form (nothing to brute-force; a slow hash
 * would only slow every request). The prefix lets people recognise a key in a list and scanners find leaked ones.
 */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashToken(key), prefix: key.slice(0, KEY_PREFIX.length + 6) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(KEY_PREFIX) && token.length > KEY_PREFIX.length + 20;
}

/** Also used for invitation tokens: only hashes of bearer secrets are stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateInvitationToken(): { token: string; hash: string } {
  const token = `dsi_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/**
 * Whether a presented secret equals the expected one, in time that depends on neither: both are hashed first, so
 * the comparison is of equal lengths and a wrong guess learns nothing from how long it took.
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
