import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerProblemHandlers } from './error-handler.js';
import { helmetOptions } from './transport-security.js';
import { registerWebUi } from './web-ui.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function appServing(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'web-ui-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const app = Fastify();
  registerProblemHandlers(app, await registerWebUi(app, root));
  await app.register(helmet, helmetOptions('http://192.168.1.10:3000'));
  app.get('/api/v1/thing', async () => ({ ok: true }));
  return app;
}

const BUILD = {
  'index.html': '<!doctype html><div id="root"></div>',
  'assets/index-abc123.js': 'console.log("ui")',
};

describe('the admin UI on the API origin', () => {
  it('answers every page path with index.html (the SPA routes), uncached, with a CSP that keeps http working', async () => {
    const app = await appServing(BUILD);
    for (const url of ['/', '/sites', '/jobs/6f1c1f7e-7a43-4bd2-9f0e-3d6e1a0b2c11', '/login?next=%2Fjobs']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('<div id="root">');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    }
  });

  it('serves hashed assets as immutable files', async () => {
    const app = await appServing(BUILD);
    const response = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.body).toBe('console.log("ui")');
  });

  it('leaves /api, missing files and other methods to the problem+json 404', async () => {
    const app = await appServing(BUILD);
    expect((await app.inject({ method: 'GET', url: '/api/v1/thing' })).json()).toEqual({ ok: true });
    for (const [method, url] of [
      ['GET', '/api/v1/nothing-here'],
      ['GET', '/api'],
      ['GET', '/metrics/x'],
      ['GET', '/assets/missing-123.js'],
      ['POST', '/sites'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
  });

  it('never serves a file outside the build', async () => {
    const app = await appServing(BUILD);
    for (const url of [
      '/assets/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.body, url).not.toContain('root:');
      expect([200, 403, 404], url).toContain(response.statusCode);
    }
  });

  it('says how to build the UI when it is not built, and still answers /api 404s as problems', async () => {
    const app = await appServing({});
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build --workspace apps/web');
    const api = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
