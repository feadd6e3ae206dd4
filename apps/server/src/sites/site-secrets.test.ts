import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '../crypto/secret-box.js';
import {
  activeSigningSecrets,
  createSecretOpener,
  generateSigningSecret,
  maskSigningSecret,
} from './site-secrets.js';
import type { SiteRow } from './sites.repo.js';

const key = randomBytes(32);
const now = new Date('2026-12-01T12:00:00.000Z');

function row(current: string, previous?: { secret: string; expiresAt: string }): SiteRow {
  return {
    signingSecretEncrypted: encryptSecret(key, current),
    previousSigningSecretEncrypted: previous ? encryptSecret(key, previous.secret) : null,
    previousSecretExpiresAt: previous?.expiresAt ?? null,
  } as SiteRow;
}

describe('site signing secrets', () => {
  it('are Standard Webhooks secrets: whsec_ + standard base64 of 32 random bytes', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateSigningSecret()).not.toBe(secret);
  });

  it('are masked to the prefix and the last characters', () => {
    const secret = generateSigningSecret();
    const hint = maskSigningSecret(secret);
    expect(hint).toBe(`whsec_…${secret.slice(-4)}`);
    expect(hint).not.toContain(secret.slice(6, 20));
  });

  it('sign with the current secret first, then the previous one until its window ends', () => {
    expect(activeSigningSecrets(row('whsec_new'), key, now)).toEqual(['whsec_new']);
    const rotated = row('whsec_new', { secret: 'whsec_old', expiresAt: '2026-12-01T12:00:01.000Z' });
    expect(activeSigningSecrets(rotated, key, now)).toEqual(['whsec_new', 'whsec_old']);
    expect(activeSigningSecrets(rotated, key, new Date('2026-12-01T12:00:01.000Z'))).toEqual(['whsec_new']);
  });

  it('are opened once each by a worker, and a rotated secret is a new entry', () => {
    const opened: string[] = [];
    const memo = createSecretOpener(key, 3, (withKey, sealed) => {
      opened.push(decryptSecret(withKey, sealed));
      return opened.at(-1)!;
    });
    const first = row('whsec_one');
    expect(activeSigningSecrets(first, memo, now)).toEqual(['whsec_one']);
    expect(activeSigningSecrets(first, memo, now)).toEqual(['whsec_one']);
    expect(opened).toEqual(['whsec_one']);
    // Rotated: the new secret, and the previous one sealed again (a new ciphertext), each opened once.
    const rotated = row('whsec_two', { secret: 'whsec_one', expiresAt: '2026-12-01T12:00:01.000Z' });
    expect(activeSigningSecrets(rotated, memo, now)).toEqual(['whsec_two', 'whsec_one']);
    expect(activeSigningSecrets(rotated, memo, now)).toEqual(['whsec_two', 'whsec_one']);
    expect(opened).toEqual(['whsec_one', 'whsec_two', 'whsec_one']);
    // Past its bound the memo starts over rather than growing.
    expect(activeSigningSecrets(row('whsec_three'), memo, now)).toEqual(['whsec_three']);
    expect(activeSigningSecrets(first, memo, now)).toEqual(['whsec_one']);
    expect(opened).toHaveLength(5);
    expect(() => activeSigningSecrets(first, createSecretOpener(randomBytes(32)), now)).toThrow();
  });

  it('refuse to guess when a ciphertext was sealed under another key', () => {
    expect(() => activeSigningSecrets(row('whsec_new'), randomBytes(32), now)).toThrow();
  });
});
