import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DATA_DEPTH } from '../content/data-validator.js';
import { loadDemoData } from '../../test/support/demo.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';
import { MAX_BODY_DEPTH } from './json-body.js';

let t: TestApp;
let owner: SignedInUser;
let siteId: string;
let itemId: string;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app);
  const demo = await loadDemoData(t.app, t.database.db, owner.headers);
  siteId = demo.siteIds.facebook;
  itemId = demo.itemIds.A;
});
afterAll(() => t?.close());

const send = (
  method: 'PUT' | 'PATCH' | 'POST',
  url: string,
  payload: string,
  contentType = 'application/json',
) => t.app.inject({ method, url, headers: { ...owner.headers, 'content-type': contentType }, payload });

/** `{"a":{"a":…1…}}` as text, `depth` objects deep, built without recursion. */
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const pointerOfAs = (prefix: string, count: number) => prefix + '/a'.repeat(count);

describe('JSON body depth', () => {
  it('refuses mapping overrides nested 5,000 deep with a 400 naming the field where depth ran out', async () => {
    const payload = `{"site_id":"${siteId}","content_item_id":"${itemId}","mode":"override","overrides":${deepObject(5_000)}}`;
    const response = await send('PUT', '/api/v1/mappings', payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({
      type: 'urn:datasync:problem:validation-error',
      errors: [
        {
          in: 'body',
          pointer: pointerOfAs('/overrides', MAX_BODY_DEPTH - 1),
          message: `nests deeper than ${MAX_BODY_DEPTH} levels`,
        },
      ],
    });
  });

  it('refuses 10,000-deep arrays and objects as the body or anywhere inside it', async () => {
    const cases: [string, string][] = [
      [deepArray(10_000), '/0'.repeat(MAX_BODY_DEPTH)],
      [deepObject(10_000), pointerOfAs('', MAX_BODY_DEPTH)],
      [`{"name":"x","list":[1,{"b":${deepArray(10_000)}}]}`, '/list/1/b' + '/0'.repeat(MAX_BODY_DEPTH - 3)],
      [`[{"x~y/z":${deepObject(10_000)}}]`, '/0/x~0y~1z' + '/a'.repeat(MAX_BODY_DEPTH - 2)],
    ];
    for (const [payload, pointer] of cases) {
      for (const [method, url] of [
        ['POST', '/api/v1/content-items'],
        ['PATCH', '/api/v1/organization'],
        ['POST', '/api/v1/auth/signup'],
      ] as const) {
        const response = await send(method, url, payload);
        expect([url, response.statusCode, response.json().errors]).toEqual([
          url,
          400,
          [{ in: 'body', pointer, message: `nests deeper than ${MAX_BODY_DEPTH} levels` }],
        ]);
      }
    }
  });

  it('accepts a body exactly MAX_BODY_DEPTH deep; item data keeps its own limit of 64', async () => {
    // Deepest the body allows: past the parser, refused by the route for what it is (an organization name).
    const fits = await send('PATCH', '/api/v1/organization', `{"name":${deepArray(MAX_BODY_DEPTH - 1)}}`);
    expect(fits.statusCode).toBe(400);
    expect(fits.json().errors).toEqual([{ in: 'body', pointer: '/name', message: 'must be string' }]);

    const data = `{"data":{"headline":"x","deep":${deepObject(MAX_DATA_DEPTH)}}}`;
    const item = await send('PATCH', `/api/v1/content-items/${itemId}`, data);
    expect(item.statusCode, item.body).toBe(422);
    expect(item.json().errors).toEqual([
      {
        in: 'body',
        pointer: pointerOfAs('/data/deep', MAX_DATA_DEPTH - 1),
        message: `nests deeper than ${MAX_DATA_DEPTH} levels`,
      },
    ]);
  });
});

describe('JSON body charset', () => {
  const rename = (contentType: string, name = 'Renamed Org') =>
    send('PATCH', '/api/v1/organization', JSON.stringify({ name }), contentType);

  it('refuses a charset other than UTF-8 with 415 problem+json', async () => {
    for (const contentType of [
      'application/json; charset=latin1',
      'application/json; charset=ISO-8859-1',
      'application/json;charset="utf-16"',
      'application/json; charset=nonsense',
      'application/json; charset=',
    ]) {
      const response = await rename(contentType);
      expect([contentType, response.statusCode, response.headers['content-type']]).toEqual([
        contentType,
        415,
        'application/problem+json; charset=utf-8',
      ]);
      expect(response.json().type).toBe('urn:datasync:problem:unsupported-media-type');
    }
  });

  it('accepts UTF-8 in any case, quoted or not, and no charset at all', async () => {
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json;charset="Utf-8"',
      'application/json; charset=utf8',
    ]) {
      const response = await rename(contentType, `Org ${contentType.length}`);
      expect([contentType, response.statusCode]).toEqual([contentType, 200]);
    }
  });
});
