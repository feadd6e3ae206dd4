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

/**
 * The secrets a delivery must be signed with, current first: after a rotation the previous one too, until its
 * window ends, so receivers that still hold it keep verifying (Standard Webhooks allows several signatures).
 * Throws if a ciphertext cannot be decrypted with `key`.
 */
export function activeSigningSecrets(row: SiteRow, key: Buffer, now = new Date()): string[] {
  const secrets = [decryptSecret(key, row.signingSecretEncrypted)];
  if (previousSecretActive(row, now)) secrets.push(decryptSecret(key, row.previousSigningSecretEncrypted!));
  return secrets;
}
