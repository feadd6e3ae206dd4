import { describe, expect, it } from 'vitest';
import { landingEnv, parseSecretList } from './env.js';

describe('landingEnv', () => {
  it('defaults: port 3001 on 127.0.0.1, ./data/landing, no secrets, no faults', () => {
    expect(landingEnv({})).toEqual({
      port: 3001,
      host: '127.0.0.1',
      dataDir: './data/landing',
      secrets: {},
      faults: false,
    });
  });

  it('reads LANDING_SECRETS, several per page, secrets ending in "="', () => {
    expect(parseSecretList('facebook=whsec_a=, google=whsec_b,facebook=whsec_c')).toEqual({
      facebook: ['whsec_a=', 'whsec_c'],
      google: ['whsec_b'],
    });
  });

  it('refuses unknown pages, missing secrets and bad ports', () => {
    expect(() => parseSecretList('tiktok=whsec_a')).toThrow(/LANDING_SECRETS/);
    expect(() => parseSecretList('whsec_a')).toThrow(/LANDING_SECRETS/);
    expect(() => parseSecretList('google=')).toThrow(/LANDING_SECRETS/);
    expect(() => landingEnv({ LANDING_PORT: 'x' })).toThrow(/LANDING_PORT/);
    expect(landingEnv({ LANDING_FAULTS: '1', LANDING_PORT: '0' })).toMatchObject({ faults: true, port: 0 });
  });
});
