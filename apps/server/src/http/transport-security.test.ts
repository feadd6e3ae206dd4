import { describe, expect, it } from 'vitest';
import { warnIfPlainHttp } from './transport-security.js';

function warningsFor(nodeEnv: 'development' | 'production' | 'test', publicUrl: string) {
  const warnings: Array<[object, string]> = [];
  warnIfPlainHttp({ nodeEnv, publicUrl }, { warn: (fields, message) => warnings.push([fields, message]) });
  return warnings;
}

describe('warnIfPlainHttp', () => {
  it('warns once in production when browsers reach DataSync over http from another machine', () => {
    expect(warningsFor('production', 'http://192.168.1.10:3000')).toEqual([
      [
        { public_url: 'http://192.168.1.10:3000' },
        'PUBLIC_URL is plain http: session cookies are sent unencrypted and are not Secure. Use an https PUBLIC_URL, or a TLS-terminating proxy in front of DataSync',
      ],
    ]);
    expect(warningsFor('production', 'http://sync.example.com')).toHaveLength(1);
  });

  it('stays quiet for this machine, for https, and outside production', () => {
    for (const url of [
      'http://localhost:3000',
      'http://127.0.0.1:3000',
      'http://[::1]:3000',
      'https://sync.example.com',
    ]) {
      expect(warningsFor('production', url), url).toEqual([]);
    }
    expect(warningsFor('development', 'http://192.168.1.10:3000')).toEqual([]);
    expect(warningsFor('test', 'http://192.168.1.10:3000')).toEqual([]);
  });
});
