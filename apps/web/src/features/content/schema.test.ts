import { describe, expect, it } from 'vitest';
import { FIELD_KINDS, kindOf, orderedProperties, pointerPart, schemaForKind } from './schema';

describe('the form editor’s field kinds (docs/content-schemas.md)', () => {
  it('reads each documented kind from its keywords', () => {
    expect(kindOf({ type: 'string', maxLength: 80 })).toBe('text');
    expect(kindOf({ type: 'string', 'x-ui': { widget: 'textarea' } })).toBe('textarea');
    expect(kindOf({ type: 'string', 'x-ui': { widget: 'markdown' } })).toBe('markdown');
    expect(kindOf({ type: 'string', format: 'date' })).toBe('date');
    expect(kindOf({ type: 'integer', minimum: 0 })).toBe('integer');
    expect(kindOf({ type: 'number' })).toBe('number');
    expect(kindOf({ type: 'string', enum: ['new', 'limited'] })).toBe('select');
    expect(kindOf({ type: 'array', items: { enum: ['wifi'] }, uniqueItems: true })).toBe('multi-select');
    expect(kindOf({ type: 'string', pattern: '^\\+?[0-9 ()-]{6,20}$', 'x-ui': { widget: 'phone' } })).toBe(
      'phone',
    );
    expect(kindOf({ type: 'string', format: 'email' })).toBe('email');
    expect(kindOf({ type: 'string', format: 'uri' })).toBe('url');
    expect(kindOf({ type: 'string', format: 'uri', 'x-ui': { widget: 'image' } })).toBe('image');
    expect(kindOf({ type: 'object', properties: {} })).toBe('group');
    expect(kindOf({ type: 'boolean' })).toBe('boolean');
  });

  it('writes, for every kind, a schema that reads back as that kind, with the label as title', () => {
    for (const kind of FIELD_KINDS) {
      const schema = schemaForKind(kind, 'Label');
      expect(kindOf(schema), kind).toBe(kind);
      expect(schema.title).toBe('Label');
    }
  });

  it('orders properties by x-ui.order, then the rest in key order', () => {
    const schema = {
      type: 'object',
      properties: { a: {}, b: {}, c: {}, d: {} },
      'x-ui': { order: ['c', 'a', 'gone'] },
    };
    expect(orderedProperties(schema).map(([name]) => name)).toEqual(['c', 'a', 'b', 'd']);
    expect(orderedProperties({ type: 'object' })).toEqual([]);
  });

  it('escapes JSON Pointer parts', () => {
    expect(pointerPart('a/b~c')).toBe('a~1b~0c');
  });
});
