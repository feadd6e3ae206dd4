import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

async function openApiDocument() {
  const response = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  return response.json();
}

it('is a valid OpenAPI 3.1 document', async () => {
  const document = await openApiDocument();
  expect(document.openapi).toBe('3.1.0');
  const result = await validate(structuredClone(document));
  expect(result.valid ? [] : result.errors.map((error) => error.message)).toEqual([]);
});

it('lists every route the server registers, with its method', async () => {
  const document = await openApiDocument();
  const documented = new Set(
    Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );
  const registered = t.app.routeAccess
    .filter((route) => route.url !== '/api/v1/openapi.json')
    .map((route) => `${route.method} ${route.url.replace(/:([a-z_]+)/g, '{$1}')}`);
  expect(registered.length).toBeGreaterThan(15);
  expect(registered.filter((route) => !documented.has(route))).toEqual([]);
});
