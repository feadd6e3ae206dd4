import { describe, expect, it } from 'vitest';
import { assertValidContentSchema, validateData } from '../content/data-validator.js';
import { mergeOverrides } from '../content/merge-overrides.js';
import { DEMO_CONTENT_TYPES, DEMO_ITEMS, DEMO_MAPPINGS } from './demo-content.js';

const schemaOf = (slug: string) =>
  DEMO_CONTENT_TYPES.find((type) => type.slug === slug)!.schema as unknown as Record<string, unknown>;

describe('the demo content', () => {
  it('has valid JSON Schemas', () => {
    for (const type of DEMO_CONTENT_TYPES) expect(() => assertValidContentSchema(type.schema)).not.toThrow();
  });

  it('has items that satisfy their schemas, overrides included', () => {
    for (const item of DEMO_ITEMS)
      expect(validateData(schemaOf(item.type), item.data, '/data'), item.key).toEqual([]);
    for (const mapping of DEMO_MAPPINGS.filter((m) => m.mode === 'override')) {
      const item = DEMO_ITEMS.find((i) => i.key === mapping.item)!;
      expect(
        validateData(schemaOf(item.type), mergeOverrides(item.data, mapping.overrides), '/overrides'),
      ).toEqual([]);
    }
  });

  it('has 3 published items and 1 draft', () => {
    expect(DEMO_ITEMS.map((item) => item.status).sort()).toEqual([
      'draft',
      'published',
      'published',
      'published',
    ]);
  });
});
