import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

const CSP_OVER_HTTP =
  "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self' data:;form-action 'self';" +
  "frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';" +
  "style-src 'self' 'unsafe-inline'";

let http: TestApp;
let https: TestApp;
beforeAll(async () => {
  http = await createTestApp({ publicUrl: 'http://192.168.1.10:3000' });
  https = await createTestApp({ publicUrl: 'https://sync.example.com' });
});
afterAll(async () => {
  await http?.close();
  await https?.close();
});

// The admin UI's page (or the "not built" answer) and an API route carry the same headers.
const URLS = ['/', '/sites', '/api/v1/me'];

describe('security headers follow PUBLIC_URL', () => {
  it('over http: no upgrade-insecure-requests, no HSTS, so a LAN install loads its scripts', async () => {
    for (const url of URLS) {
      const response = await http.app.inject({ method: 'GET', url });
      expect(response.headers['content-security-policy'], url).toBe(CSP_OVER_HTTP);
      expect(response.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('over https: the CSP upgrades insecure requests and HSTS is sent', async () => {
    for (const url of URLS) {
      const response = await https.app.inject({ method: 'GET', url });
      expect(response.headers['content-security-policy'], url).toBe(
        `${CSP_OVER_HTTP};upgrade-insecure-requests`,
      );
      expect(response.headers['strict-transport-security'], url).toBe('max-age=31536000; includeSubDomains');
    }
  });
});
