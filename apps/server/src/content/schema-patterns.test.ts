import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contentSchemaProblem } from '../http/domain-errors.js';
import { ContentSchemaError } from './content-schema-error.js';
import { assertValidContentSchema, validateData } from './data-validator.js';
import { MAX_PATTERN_LENGTH, MAX_PATTERN_WEIGHT } from './linear-regexp.js';

const objectSchema = (properties: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  ...more,
});
const EVIL = `${'a'.repeat(40)}!`;

function refusal(schema: unknown) {
  try {
    assertValidContentSchema(schema);
  } catch (error) {
    expect(error).toBeInstanceOf(ContentSchemaError);
    const { status, type, errors } = contentSchemaProblem(error as ContentSchemaError).toProblem();
    return { status, type, errors };
  }
  return undefined;
}

/**
 * Runs `body` (with assertValidContentSchema and validateData in scope) in a child process with a time limit, so an
 * engine that backtracks fails the test instead of hanging it. Returns what `body` returns.
 */
function inChild(body: string): unknown {
  const validator = fileURLToPath(new URL('./data-validator.ts', import.meta.url));
  const script = `
    const { assertValidContentSchema, validateData } = await import(${JSON.stringify(validator)});
    const result = (() => { ${body} })();
    console.log(JSON.stringify(result));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(child.signal, 'the validation did not finish within 20 s').toBeNull();
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout);
}

describe('schema patterns run in linear time', () => {
  it('validates 40 a’s and a ! against ^(a+)+$ in under 100 ms (a backtracking engine takes ~90 s)', () => {
    const { ms, errors } = inChild(`
      const schema = { type: 'object', properties: { x: { type: 'string', pattern: '^(a+)+$' } } };
      assertValidContentSchema(schema);
      validateData(schema, { x: 'aaaa' }, '/data');
      const started = performance.now();
      const errors = validateData(schema, { x: ${JSON.stringify(EVIL)} }, '/data');
      return { ms: performance.now() - started, errors };`) as { ms: number; errors: unknown };
    expect(errors).toEqual([{ in: 'body', pointer: '/data/x', message: 'must match pattern "^(a+)+$"' }]);
    expect(ms).toBeLessThan(100);
  });

  it('runs evil inputs of a megabyte through pattern, patternProperties and propertyNames in linear time', () => {
    const { ms, pointers } = inChild(`
      const schema = {
        type: 'object',
        properties: {
          x: { type: 'string', pattern: '^(a|a)*$' },
          y: { type: 'object', propertyNames: { pattern: '^(\\w+\\s?)*$' } },
        },
        patternProperties: { '^(b+)+$': { type: 'string' } },
      };
      assertValidContentSchema(schema);
      const started = performance.now();
      const errors = validateData(
        schema,
        { x: 'a'.repeat(1_000_000) + '!', y: { ['w '.repeat(10_000) + '!']: 1 }, ['b'.repeat(100_000)]: 1 },
        '/data',
      );
      return { ms: performance.now() - started, pointers: errors.map((e) => e.pointer) };`) as {
      ms: number;
      pointers: string[];
    };
    expect(pointers).toEqual([
      '/data/x',
      `/data/y`,
      `/data/y/${'w '.repeat(10_000)}!`,
      `/data/${'b'.repeat(100_000)}`,
    ]);
    expect(ms).toBeLessThan(2_000);
  });
});

describe('assertValidContentSchema: patterns the engine cannot run', () => {
  it('refuses backreferences and lookarounds with a 422 naming each pointer', () => {
    const schema = objectSchema(
      {
        a: { type: 'string', pattern: '^(\\w)\\1$' },
        list: { type: 'array', items: { type: 'string', pattern: 'x(?=y)' } },
      },
      { patternProperties: { '(?<!a)b': {} } },
    );
    expect(refusal(schema)).toEqual({
      status: 422,
      type: 'urn:datasync:problem:unprocessable',
      errors: [
        {
          in: 'body',
          pointer: '/schema/patternProperties/(?<!a)b',
          message: 'uses a lookbehind, which the linear-time regular expression engine cannot run',
        },
        {
          in: 'body',
          pointer: '/schema/properties/a/pattern',
          message: 'uses a backreference, which the linear-time regular expression engine cannot run',
        },
        {
          in: 'body',
          pointer: '/schema/properties/list/items/pattern',
          message: 'uses a lookahead, which the linear-time regular expression engine cannot run',
        },
      ],
    });
  });

  it('refuses what RE2 refuses, with its reason', () => {
    expect(refusal(objectSchema({ a: { type: 'string', pattern: '^\\p{Script=Zzzz}$' } }))?.errors).toEqual([
      {
        in: 'body',
        pointer: '/schema/properties/a/pattern',
        message: expect.stringMatching(/^cannot be run by the linear-time regular expression engine: /),
      },
    ]);
    expect(refusal(objectSchema({ a: { type: 'string', pattern: 'a{1001}' } }))).toMatchObject({
      status: 422,
      errors: [
        {
          pointer: '/schema/properties/a/pattern',
          message: expect.stringMatching(/^repeats more than 1000/),
        },
      ],
    });
  });

  it('keeps 400 for what is not a regular expression at all, or too long to be read as one', () => {
    expect(refusal(objectSchema({ a: { type: 'string', pattern: '^(' } }))).toMatchObject({
      status: 400,
      errors: [{ pointer: '/schema/properties/a/pattern' }],
    });
    const long = 'a'.repeat(MAX_PATTERN_LENGTH + 1);
    expect(refusal(objectSchema({}, { patternProperties: { [long]: {} } }))).toMatchObject({
      status: 400,
      errors: [{ pointer: `/schema/patternProperties/${long}` }],
    });
  });

  it('refuses patterns that together would cost too much to compile, naming the one past the limit', () => {
    const perPattern = 8 * 1000; // [\p{L} ] is 8 characters, repeated up to 1000 times
    const count = Math.floor(MAX_PATTERN_WEIGHT / perPattern) + 1;
    const properties = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `f${i}`,
        { type: 'string', pattern: `^[\\p{L} ]{${i},1000}$` },
      ]),
    );
    expect(refusal(objectSchema(properties))).toEqual({
      status: 422,
      type: 'urn:datasync:problem:unprocessable',
      errors: [
        {
          in: 'body',
          pointer: `/schema/properties/f${count - 1}/pattern`,
          message:
            "makes the schema's regular expressions too costly to compile (see docs/content-schemas.md)",
        },
      ],
    });
    expect(
      refusal(objectSchema(Object.fromEntries(Object.entries(properties).slice(0, -1)))),
    ).toBeUndefined();
  });

  it('refuses a property that a pattern property also matches, checked on the linear engine', () => {
    const schema = objectSchema(
      { [`${'a'.repeat(40)}!`]: {}, title: {} },
      { patternProperties: { '^(a+)+!$': {}, '^t': {} } },
    );
    expect(refusal(schema)).toEqual({
      status: 400,
      type: 'urn:datasync:problem:validation-error',
      errors: [
        {
          in: 'body',
          pointer: `/schema/properties/${'a'.repeat(40)}!`,
          message: 'also matches the pattern property "^(a+)+!$"',
        },
        {
          in: 'body',
          pointer: '/schema/properties/title',
          message: 'also matches the pattern property "^t"',
        },
      ],
    });
  });
});

describe('format "regex"', () => {
  const schema = objectSchema({ r: { type: 'string', format: 'regex' } });

  it('accepts any ECMAScript regular expression as data, without running it, and refuses the rest', () => {
    assertValidContentSchema(schema);
    expect(validateData(schema, { r: '^(a+)+$' }, '/data')).toEqual([]);
    expect(validateData(schema, { r: '(a)\\1' }, '/data')).toEqual([]);
    expect(validateData(schema, { r: '^(' }, '/data')).toEqual([
      { in: 'body', pointer: '/data/r', message: 'must match format "regex"' },
    ]);
  });

  it('refuses a value longer than the limit before parsing it', () => {
    expect(validateData(schema, { r: 'a'.repeat(MAX_PATTERN_LENGTH) }, '/data')).toEqual([]);
    expect(validateData(schema, { r: 'a'.repeat(MAX_PATTERN_LENGTH + 1) }, '/data')).toEqual([
      { in: 'body', pointer: '/data/r', message: 'must match format "regex"' },
    ]);
  });
});

describe('validateData: a schema stored before its patterns were checked', () => {
  it('answers with the schema pointer the engine refuses, at the data root, instead of throwing', () => {
    const stored = objectSchema({
      nested: objectSchema({ code: { type: 'string', pattern: '^(\\d)\\1$' } }),
    });
    expect(validateData(stored, { nested: { code: '11' } }, '/overrides')).toEqual([
      {
        in: 'body',
        pointer: '/overrides',
        message:
          "cannot be checked: the content type's /schema/properties/nested/properties/code/pattern uses a backreference, which the linear-time regular expression engine cannot run",
      },
    ]);
  });
});
