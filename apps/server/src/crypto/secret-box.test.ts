import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from './secret-box.js';

describe('secret box', () => {
  const key = randomBytes(32);

  it('round-trips and never contains the plaintext', () => {
    const sealed = encryptSecret(key, 'whsec_plain-secret');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('plain-secret');
    expect(decryptSecret(key, sealed)).toBe('whsec_plain-secret');
  });

  it('uses a fresh IV each time', () => {
    expect(encryptSecret(key, 'same')).not.toBe(encryptSecret(key, 'same'));
  });

  it('refuses a tampered ciphertext or another key', () => {
    const sealed = encryptSecret(key, 'whsec_x');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0]! ^= 1;
    parts[3] = flipped.toString('base64url');
    expect(() => decryptSecret(key, parts.join('.'))).toThrow();
    expect(() => decryptSecret(randomBytes(32), sealed)).toThrow();
  });

  it('refuses a sealed value whose tag is not 16 bytes, even a prefix of the right tag', () => {
    const sealed = encryptSecret(key, 'whsec_x');
    const parts = sealed.split('.');
    const tag = Buffer.from(parts[2]!, 'base64url');
    expect(tag.length).toBe(16);
    for (const length of [4, 8, 12, 15]) {
      parts[2] = tag.subarray(0, length).toString('base64url');
      expect(() => decryptSecret(key, parts.join('.'))).toThrow('Unrecognised secret format.');
    }
    parts[2] = Buffer.concat([tag, Buffer.from([0])]).toString('base64url');
    expect(() => decryptSecret(key, parts.join('.'))).toThrow('Unrecognised secret format.');
  });
});
