import { randomBytes } from 'node:crypto';
import { decryptSecret } from '../crypto/secret-box.js';
import type { SiteRow } from './sites.repo.js';

const PREFIX = 'whsec_';

/** A Standard Webhooks signing secret: `whsec_` + standard base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** What the API shows instead of the secret: enough to tell two secrets apart, not to use one. */
export function maskSigningSecret(secret: string): string {
  return `${PREFIX}…${secret.slice(-4)}`;
}

/** The masked form of a stored (encrypted) secret; null when there is none or the key cannot open it. */
export function sealedSecretHint(key: Buffer, sealed: string | null): string | null {
  if (!sealed) return null;
  try {
    return maskSigningSecret(decryptSecret(key, sealed));
  } catch {
    return null;
  }
}

/** True while the secret replaced by the last rotation still signs. */
export function previousSecretActive(
  row: Pick<SiteRow, 'previousSigningSecretEncrypted' | 'previousSecretExpiresAt'>,
  now = new Date(),
): boolean {
  return Boolean(
    row.previousSigningSecretEncrypted &&
    row.previousSecretExpiresAt &&
    Date.parse(row.previousSecretExpiresAt) > now.getTime(),
  );
}

/** Opens a sealed secret (decryptSecret with the process's key, or a memo of it: createSecretOpener). */
export type SecretOpener = (sealed: string) => string;

/**
 * A decryption memo for the delivery worker, which signs every delivery with its site's secret: decrypting it each
 * time would be 2 % of the worker's CPU in a 10,000-site sync. Keyed by the sealed value (a new or rotated secret is
 * sealed with a fresh IV, so it is a new key; nothing goes stale). At most `max` entries, in this process's memory
 * only, where each secret is anyway while its deliveries are signed.
 */
export function createSecretOpener(key: Buffer, max = 10_000, decrypt = decryptSecret): SecretOpener {
  const opened = new Map<string, string>();
  return (sealed) => {
    let secret = opened.get(sealed);
    if (secret === undefined) {
      secret = decrypt(key, sealed);
      if (opened.size >= max) opened.clear();
      opened.set(sealed, secret);
    }
    return secret;
  };
}

/**
 * The secrets a delivery must be signed with, current first: after a rotation the previous one too, until its
 * window ends, so receivers that still hold it keep verifying (Standard Webhooks allows several signatures).
 * Throws if a ciphertext cannot be decrypted with `key`.
 */
export function activeSigningSecrets(
  row: Pick<SiteRow, 'signingSecretEncrypted' | 'previousSigningSecretEncrypted' | 'previousSecretExpiresAt'>,
  key: Buffer | SecretOpener,
  now = new Date(),
): string[] {
  const open: SecretOpener = typeof key === 'function' ? key : (sealed) => decryptSecret(key, sealed);
  const secrets = [open(row.signingSecretEncrypted)];
  if (previousSecretActive(row, now)) secrets.push(open(row.previousSigningSecretEncrypted!));
  return secrets;
}
