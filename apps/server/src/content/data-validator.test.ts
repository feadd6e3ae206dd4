import { describe, expect, it } from 'vitest';
import { contentSchemaProblem } from '../http/domain-errors.js';
import { ContentSchemaError } from './content-schema-error.js';
import {
  assertValidContentSchema,
  cachedValidatorCount,
  JSON_SCHEMA_2020,
  MAX_DATA_DEPTH,
  MAX_REPORTED_ERRORS,
  validateData,
} from './data-validator.js';

/** One field of every UI hint kind, as docs/content-schemas.md describes them. */
const everyKind = {
  $schema: JSON_SCHEMA_2020,
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 20 },
    textarea: { type: 'string', 'x-ui': { widget: 'textarea' } },
    markdown: { type: 'string', 'x-ui': { widget: 'markdown', placeholder: '**bold**' } },
    date: { type: 'string', format: 'date' },
    number: { type: 'number', minimum: 0 },
    integer: { type: 'integer', 'x-ui': { widget: 'number' } },
    select: { type: 'string', enum: ['new', 'limited'] },
    multi: { type: 'array', items: { enum: ['wifi', 'parking'] }, uniqueItems: true },
    phone: { type: 'string', pattern: '^\\+?[0-9 ()-]{6,20}$', 'x-ui': { widget: 'phone' } },
    email: { type: 'string', format: 'email' },
    url: { type: 'string', format: 'uri' },
    image: { type: 'string', format: 'uri', 'x-ui': { widget: 'image' } },
    cta: {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', minLength: 1 }, url: { type: 'string', format: 'uri' } },
      'x-ui': { order: ['text', 'url'] },
    },
  },
};

function schemaErrors(schema: unknown) {
  try {
    assertValidContentSchema(schema);
  } catch (error) {
    expect(error).toBeInstanceOf(ContentSchemaError);
    const problem = contentSchemaProblem(error as ContentSchemaError).toProblem();
    expect(problem).toMatchObject({ status: 400, type: 'urn:datasync:problem:validation-error' });
    expect(problem.errors?.every((e) => e.in === 'body' && e.pointer.startsWith('/schema'))).toBe(true);
    return problem.errors!;
  }
  return [];
}
const pointersOf = (errors: { pointer: string }[]) => errors.map((e) => e.pointer);
const objectSchema = (properties: Record<string, unknown>) => ({ type: 'object', properties });

describe('validateData: every UI hint kind', () => {
  it('accepts a schema with every kind, and data that fills them all', () => {
    expect(schemaErrors(everyKind)).toEqual([]);
    const data = {
      text: 'Hello',
      textarea: 'Line one\nLine two',
      markdown: '# Title',
      date: '2027-02-28',
      number: 12.5,
      integer: 3,
      select: 'new',
      multi: ['wifi', 'parking'],
      phone: '+1 (555) 010-9999',
      email: 'team@example.com',
      url: 'https://example.com/path?q=1',
      image: 'https://images.example.com/a.jpg',
      cta: { text: 'Go', url: 'https://example.com' },
    };
    expect(validateData(everyKind, data, '/data')).toEqual([]);
    expect(validateData(everyKind, { text: 'only this one' }, '/data')).toEqual([]);
  });

  it.each([
    ['text', 42, 'must be string'],
    ['text', '', 'must NOT have fewer than 1 characters'],
    ['textarea', ['not', 'text'], 'must be string'],
    ['markdown', null, 'must be string'],
    ['date', '2027-02-30', 'must match format "date"'],
    ['date', 'tomorrow', 'must match format "date"'],
    ['number', -1, 'must be >= 0'],
    ['number', '12', 'must be number'],
    ['integer', 1.5, 'must be integer'],
    ['select', 'old', 'must be one of: "new", "limited"'],
    ['phone', 'call me', 'must match pattern "^\\+?[0-9 ()-]{6,20}$"'],
    ['email', 'not-an-email', 'must match format "email"'],
    ['url', 'example.com without scheme', 'must match format "uri"'],
    ['image', 'just a name.jpg', 'must match format "uri"'],
  ])('rejects a bad %s (%j)', (field, value, message) => {
    expect(validateData(everyKind, { text: 'ok', [field]: value }, '/data')).toEqual([
      { in: 'body', pointer: `/data/${field}`, message },
    ]);
  });

  it('multi-select: each bad option and the duplicates are reported', () => {
    const errors = validateData(everyKind, { text: 'ok', multi: ['wifi', 'pool', 'wifi'] }, '/data');
    expect(errors).toEqual([
      { in: 'body', pointer: '/data/multi/1', message: 'must be one of: "wifi", "parking"' },
      { in: 'body', pointer: '/data/multi', message: expect.stringContaining('duplicate items') },
    ]);
    expect(validateData(everyKind, { text: 'ok', multi: 'wifi' }, '/data')).toEqual([
      { in: 'body', pointer: '/data/multi', message: 'must be array' },
    ]);
  });
});

describe('validateData: pointers', () => {
  it('reports every error at once: missing, unknown, nested and wrong-typed fields', () => {
    const errors = validateData(everyKind, { nope: 1, number: 'x', cta: { url: 'bad' } }, '/data');
    expect(errors).toEqual(
      expect.arrayContaining([
        { in: 'body', pointer: '/data/text', message: 'is required' },
        { in: 'body', pointer: '/data/nope', message: 'is not a known field' },
        { in: 'body', pointer: '/data/number', message: 'must be number' },
        { in: 'body', pointer: '/data/cta/text', message: 'is required' },
        { in: 'body', pointer: '/data/cta/url', message: 'must match format "uri"' },
      ]),
    );
    expect(errors).toHaveLength(5);
  });

  it('uses the given prefix and escapes ~ and / in property names', () => {
    const schema = objectSchema({ 'a/b': objectSchema({ 'c~d': { type: 'string' } }) });
    expect(validateData(schema, { 'a/b': { 'c~d': 1 } }, '/overrides')).toEqual([
      { in: 'body', pointer: '/overrides/a~1b/c~0d', message: 'must be string' },
    ]);
    const required = { ...objectSchema({}), required: ['x/y'] };
    expect(validateData(required, {}, '/data')).toEqual([
      { in: 'body', pointer: '/data/x~1y', message: 'is required' },
    ]);
  });

  it('reports data that is not an object at the prefix itself', () => {
    for (const data of [null, [], 'text', 1, true]) {
      expect(validateData(everyKind, data, '/data'), JSON.stringify(data)).toEqual([
        { in: 'body', pointer: '/data', message: 'must be object' },
      ]);
    }
  });

  it('refuses data nested deeper than the limit without overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i += 1) deep = { a: deep };
    const [error, ...rest] = validateData(objectSchema({}), deep, '/data');
    expect(rest).toEqual([]);
    expect(error?.pointer).toBe(`/data${'/a'.repeat(MAX_DATA_DEPTH)}`);
    expect(error?.message).toMatch(/deeper than/);
  });

  it('refuses text PostgreSQL cannot store (U+0000, unpaired surrogates), in values and names', () => {
    const schema = objectSchema({});
    expect(validateData(schema, { a: 'x\u0000y' }, '/data')).toEqual([
      { in: 'body', pointer: '/data/a', message: 'must not contain the character U+0000' },
    ]);
    expect(validateData(schema, { list: ['fine', 'lone \ud800'] }, '/data')).toEqual([
      { in: 'body', pointer: '/data/list/1', message: 'must not contain an unpaired surrogate' },
    ]);
    expect(validateData(schema, { ok: 1, 'k\udc00': 1 }, '/data')).toEqual([
      { in: 'body', pointer: '/data/k\udc00', message: 'name must not contain an unpaired surrogate' },
    ]);
    expect(validateData(schema, { emoji: '😀 \ud83d\ude00', ключ: 'значение' }, '/data')).toEqual([]);
    expect(schemaErrors(objectSchema({ a: { type: 'string', pattern: '\u0000' } }))).toEqual([
      {
        in: 'body',
        pointer: '/schema/properties/a/pattern',
        message: 'must not contain the character U+0000',
      },
    ]);
  });

  it('lists at most MAX_REPORTED_ERRORS errors, then counts the rest', () => {
    const schema = objectSchema({ list: { type: 'array', items: { type: 'integer' } } });
    const errors = validateData(schema, { list: Array.from({ length: 250 }, () => 'x') }, '/data');
    expect(errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(errors[0]).toEqual({ in: 'body', pointer: '/data/list/0', message: 'must be integer' });
    expect(errors.at(-1)).toEqual({
      in: 'body',
      pointer: '/data',
      message: 'has 150 more errors, not listed',
    });
  });

  it('checks uniqueItems in linear time, comparing JSON values whatever their key order', () => {
    const schema = objectSchema({ tags: { type: 'array', items: { enum: ['a'] }, uniqueItems: true } });
    const started = performance.now();
    validateData(schema, { tags: Array.from({ length: 100_000 }, (_, i) => `t${i}`) }, '/data');
    expect(performance.now() - started).toBeLessThan(2_000); // Ajv's pairwise check: about a minute
    const any = objectSchema({ list: { type: 'array', uniqueItems: true } });
    expect(
      validateData(any, { list: [{ a: 1, b: [1, { c: 2 }] }, 2, { b: [1, { c: 2 }], a: 1 }] }, ''),
    ).toEqual([
      {
        in: 'body',
        pointer: '/list',
        message: 'must NOT have duplicate items (items ## 0 and 2 are identical)',
      },
    ]);
    expect(validateData(any, { list: [{ a: 1 }, { a: '1' }, [1], '[1]', 1, '1', null, 'null'] }, '')).toEqual(
      [],
    );
  });

  it('reports a schema that recurses without end as an error, not a crash', () => {
    // findRefCycle follows $ref only; a $dynamicRef cycle is caught when it overflows the stack.
    const schema = { ...objectSchema({}), $dynamicAnchor: 'top', allOf: [{ $dynamicRef: '#top' }] };
    expect(schemaErrors(schema)).toEqual([]);
    expect(validateData(schema, { p: 1 }, '/data')).toEqual([
      { in: 'body', pointer: '/data', message: 'cannot be checked: the schema refers to itself' },
    ]);
  });

  it('compiles a schema once, whichever object it arrives in, and keeps the cache bounded', () => {
    const before = cachedValidatorCount();
    for (let i = 0; i < 3; i += 1) validateData(structuredClone(everyKind), { text: 'x' }, '/data');
    expect(cachedValidatorCount()).toBeLessThanOrEqual(before + 1);
    for (let i = 0; i < 600; i += 1) validateData(objectSchema({ [`f${i}`]: { type: 'string' } }), {}, '');
    expect(cachedValidatorCount()).toBeLessThanOrEqual(500);
  });
});

describe('assertValidContentSchema', () => {
  it('accepts $schema 2020-12, $defs with local $ref, and a recursive schema', () => {
    expect(
      schemaErrors({
        $schema: JSON_SCHEMA_2020,
        type: 'object',
        $defs: { link: objectSchema({ href: { type: 'string', format: 'uri' } }) },
        properties: { link: { $ref: '#/$defs/link' }, children: { type: 'array', items: { $ref: '#' } } },
      }),
    ).toEqual([]);
  });

  it('wants a JSON object with type "object" and properties at the root', () => {
    for (const schema of ['string', 42, null, [], true]) {
      expect(pointersOf(schemaErrors(schema)), JSON.stringify(schema)).toEqual(['/schema']);
    }
    expect(pointersOf(schemaErrors({ type: 'string' }))).toEqual(['/schema/type', '/schema/properties']);
    expect(pointersOf(schemaErrors({ properties: {} }))).toEqual(['/schema/type']);
  });

  it('reports meta-schema errors with their pointer, one per place', () => {
    const errors = schemaErrors(
      objectSchema({ a: { type: 'strnig' }, b: { type: 'string', minLength: -1 }, c: { required: 'c' } }),
    );
    expect(pointersOf(errors)).toEqual([
      '/schema/properties/a/type',
      '/schema/properties/b/minLength',
      '/schema/properties/c/required',
    ]);
  });

  it('points at a bad regular expression, unresolvable $ref, unknown keyword and unknown format', () => {
    expect(schemaErrors(objectSchema({ p: { type: 'string', pattern: '(' } }))).toEqual([
      { in: 'body', pointer: '/schema/properties/p/pattern', message: 'must be a valid regular expression' },
    ]);
    expect(pointersOf(schemaErrors({ ...objectSchema({}), patternProperties: { '[': {} } }))).toEqual([
      '/schema/patternProperties/[',
    ]);
    expect(schemaErrors(objectSchema({ r: { $ref: '#/$defs/missing' } }))).toEqual([
      { in: 'body', pointer: '/schema/properties/r/$ref', message: 'does not resolve to a schema' },
    ]);
    expect(schemaErrors(objectSchema({ k: { type: 'string', requried: true } }))).toEqual([
      { in: 'body', pointer: '/schema/properties/k/requried', message: 'is not a known keyword' },
    ]);
    expect(schemaErrors(objectSchema({ f: { type: 'string', format: 'colour' } }))).toEqual([
      { in: 'body', pointer: '/schema/properties/f/format', message: 'is not a known format' },
    ]);
  });

  it('refuses other drafts, $id, and remote references', () => {
    expect(
      pointersOf(schemaErrors({ ...objectSchema({}), $schema: 'http://json-schema.org/draft-07/schema#' })),
    ).toEqual(['/schema/$schema']);
    expect(
      pointersOf(schemaErrors({ ...objectSchema({ a: { $id: 'x' } }), $id: 'https://a.test/s' })),
    ).toEqual(['/schema/$id', '/schema/properties/a/$id']);
    expect(pointersOf(schemaErrors(objectSchema({ a: { $ref: 'https://example.com/s.json' } })))).toEqual([
      '/schema/properties/a/$ref',
    ]);
  });

  it('refuses a $ref that leads back to itself in place, but accepts recursion through properties and items', () => {
    const cycle = 'leads back to itself without descending into a property or item';
    expect(schemaErrors({ ...objectSchema({}), $ref: '#' })).toEqual([
      { in: 'body', pointer: '/schema/$ref', message: cycle },
    ]);
    expect(pointersOf(schemaErrors(objectSchema({ a: { $ref: '#/properties/a' } })))).toEqual([
      '/schema/properties/a/$ref',
    ]);
    const viaDefs = {
      ...objectSchema({ a: { $ref: '#/$defs/x' } }),
      $defs: {
        x: { allOf: [{ $ref: '#/$defs/y' }] },
        y: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/x' }] },
      },
    };
    expect(pointersOf(schemaErrors(viaDefs))).toEqual(['/schema/$defs/y/anyOf/1/$ref']);
    const tree = {
      ...objectSchema({ name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } }),
      $defs: { node: { $ref: '#' } },
    };
    expect(schemaErrors(tree)).toEqual([]);
    expect(validateData(tree, { children: [{ children: [{ name: 1 }] }] }, '/data')).toEqual([
      { in: 'body', pointer: '/data/children/0/children/0/name', message: 'must be string' },
    ]);
  });

  it('handles long $ref chains: a long one works, an absurd one is a 400, neither overflows the stack', () => {
    const chainOf = (length: number) => {
      const defs: Record<string, unknown> = { [`d${length}`]: { type: 'string' } };
      for (let i = 0; i < length; i += 1) defs[`d${i}`] = { $ref: `#/$defs/d${i + 1}` };
      return { ...objectSchema({ a: { $ref: '#/$defs/d0' } }), $defs: defs };
    };
    expect(schemaErrors(chainOf(1_000))).toEqual([]);
    expect(validateData(chainOf(1_000), { a: 1 }, '')).toEqual([
      { in: 'body', pointer: '/a', message: 'must be string' },
    ]);
    expect(schemaErrors(chainOf(30_000))).toEqual([
      {
        in: 'body',
        pointer: '/schema',
        message: 'is too complex to compile: its references nest too deeply',
      },
    ]);
  });

  it('checks x-ui hints: known keys and widgets, a widget that fits the type, order naming properties', () => {
    const errors = schemaErrors({
      ...objectSchema({
        a: { type: 'string', 'x-ui': { widget: 'wysiwyg' } },
        b: { type: 'number', 'x-ui': { widget: 'textarea' } },
        c: { type: 'string', 'x-ui': { widget: 'select' } },
        d: { type: 'string', 'x-ui': { widget: 'multi-select' } },
        e: { type: 'string', 'x-ui': 'textarea' },
        f: { type: 'string', 'x-ui': { widgit: 'textarea' } },
        g: { type: 'string', enum: ['x'], 'x-ui': { widget: 'select', placeholder: 7 } },
      }),
      'x-ui': { order: ['a', 'zz', 'a'] },
    });
    expect(errors.map((e) => [e.pointer, e.message])).toEqual([
      ['/schema/x-ui/order/1', 'is not a property of this object'],
      ['/schema/x-ui/order/2', 'is listed twice'],
      ['/schema/properties/a/x-ui/widget', expect.stringMatching(/^must be one of: text, textarea/)],
      ['/schema/properties/b/x-ui/widget', 'the textarea widget needs type "string"'],
      ['/schema/properties/c/x-ui/widget', 'the select widget needs an enum'],
      ['/schema/properties/d/x-ui/widget', 'the multi-select widget needs type "array"'],
      ['/schema/properties/e/x-ui', 'must be an object'],
      ['/schema/properties/f/x-ui/widgit', expect.stringMatching(/^is not a known UI hint/)],
      ['/schema/properties/g/x-ui/placeholder', 'must be a string of at most 200 characters'],
    ]);
  });

  it('ignores keyword-like keys inside data (enum, default, examples)', () => {
    const schema = objectSchema({
      a: { type: 'object', default: { pattern: '(', 'x-ui': 'nope', $id: 1 }, examples: [{ $ref: '#/x' }] },
    });
    expect(schemaErrors(schema)).toEqual([]);
  });

  it('refuses a schema nested too deep, without overflowing the stack', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 5_000; i += 1) deep = objectSchema({ a: deep });
    const errors = schemaErrors(deep);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/deeper than/);
  });
});
